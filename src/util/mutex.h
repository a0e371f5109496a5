// The mutex and lock that every mutex-owning class uses, so that Clang's thread-safety
// analysis (-Wthread-safety, util/thread_annotations.h) checks the locking: libstdc++'s
// std::mutex and std::scoped_lock carry no capability attributes, so the analysis
// cannot tell that locking one guards anything. These wrap them with the attributes and
// behave exactly as they do.
//
// Waiting on a condition: use std::condition_variable_any (std::condition_variable only
// takes std::unique_lock<std::mutex>) and wait on the MutexLock itself, in a loop
// whose condition is written out in the function:
//
//   util::MutexLock lock(mutex_);
//   while (queue_.empty()) ready_.wait(lock);
//
// rather than ready_.wait(lock, [this] { return !queue_.empty(); }): the analysis
// checks every function alone, and a lambda passed as the predicate is a function that
// reads guarded fields without, as far as it can see, holding the lock.
#pragma once

#include <mutex>

#include "util/thread_annotations.h"

namespace sts::util {

// std::mutex as a capability: fields name it in STS_GUARDED_BY. BasicLockable and
// Lockable (lock, unlock, try_lock), so std::condition_variable_any can also use it.
class STS_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() STS_ACQUIRE() { mutex_.lock(); }
  void unlock() STS_RELEASE() { mutex_.unlock(); }
  bool try_lock() STS_TRY_ACQUIRE(true) { return mutex_.try_lock(); }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope, as std::scoped_lock does. It also has lock() and unlock(),
// so that it can be unlocked for a while within the scope (around slow work) and so
// that std::condition_variable_any can wait on it; the destructor unlocks only when
// it holds the mutex.
class STS_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) STS_ACQUIRE(mutex) : mutex_(mutex) { mutex.lock(); }
  ~MutexLock() STS_RELEASE() {
    if (locked_) mutex_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void lock() STS_ACQUIRE() {
    mutex_.lock();
    locked_ = true;
  }
  void unlock() STS_RELEASE() {
    mutex_.unlock();
    locked_ = false;
  }

 private:
  Mutex& mutex_;
  bool locked_ = true;
};

}  // namespace sts::util
