// Clang's thread-safety analysis (-Wthread-safety): attributes that name which mutex
// guards a field and which functions acquire, release or need it, so that the compiler
// rejects an access made without the lock. They expand to nothing on other compilers
// (GCC builds the dev preset), where they only document the locking.
// See https://clang.llvm.org/docs/ThreadSafetyAnalysis.html.
#pragma once

#if defined(__clang__)
#define STS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define STS_THREAD_ANNOTATION(x)
#endif

// A class whose objects are locks (util::Mutex); `x` names the kind in messages.
#define STS_CAPABILITY(x) STS_THREAD_ANNOTATION(capability(x))
// An RAII class that holds a capability from construction to destruction (util::MutexLock).
#define STS_SCOPED_CAPABILITY STS_THREAD_ANNOTATION(scoped_lockable)

// A field read or written only with `x` held.
#define STS_GUARDED_BY(x) STS_THREAD_ANNOTATION(guarded_by(x))

// A function that returns holding the capability (the object's own when no argument).
#define STS_ACQUIRE(...) STS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
// A function that returns no longer holding it.
#define STS_RELEASE(...) STS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
// A function that acquires it when it returns `result` (true for try_lock()).
#define STS_TRY_ACQUIRE(...) STS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// A function its callers must call with the capability held (a helper of locked code).
#define STS_REQUIRES(...) STS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// A function its callers must not call with the capability held (it takes it itself).
#define STS_LOCKS_EXCLUDED(...) STS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
