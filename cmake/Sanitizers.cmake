# Sanitizers apply to every target of the build (a sanitized library linked into an
# unsanitized test would miss its own reports). The fuzz build adds coverage
# instrumentation everywhere so libFuzzer sees inside the parsers it drives.
if(STS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(STS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STS_FUZZ needs clang (libFuzzer)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
