# Warning flags live on targets, not globally, so third-party headers keep their own.
function(sts_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                         -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
                         -Wdouble-promotion -Wformat=2)
  # Clang's thread-safety analysis checks the locking annotated with util/mutex.h and
  # util/thread_annotations.h (GCC has no such analysis; the annotations vanish there).
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(STS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
