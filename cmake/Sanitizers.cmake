# Sanitizers apply to every target of the build (a sanitized library linked into an
# unsanitized test would miss its own reports).
if(STS_SANITIZE)
  # -fsanitize=function is left out: clang 14 cannot assemble its prologue data for
  # coroutine frames ("Cannot represent a difference across sections").
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(STS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STS_FUZZ needs clang (libFuzzer)")
  endif()
endif()

# Coverage instrumentation for libFuzzer goes on the parser sources only: they are
# what the fuzzers drive, and instrumenting the network code would only slow the
# sanitizer test run.
function(sts_fuzz_instrument)
  if(STS_FUZZ)
    set_source_files_properties(${ARGN} DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                                PROPERTIES COMPILE_OPTIONS -fsanitize=fuzzer-no-link)
  endif()
endfunction()
