# whisper.cpp (and the ggml it carries) for the `whisper` ASR engine, built from the
# copy inside the pinned npm package nodejs-whisper (scripts/setup.sh installs it and
# checks its version). Only the targets our code links are built: the whisper tree
# is EXCLUDE_FROM_ALL and keeps its own flags, never ours (-Werror, -Wconversion).
set(STS_WHISPER_SOURCE_DIR ${PROJECT_SOURCE_DIR}/node_modules/nodejs-whisper/cpp/whisper.cpp)
if(EXISTS ${STS_WHISPER_SOURCE_DIR}/CMakeLists.txt)
  set(sts_whisper_found ON)
else()
  set(sts_whisper_found OFF)
endif()
option(STS_WHISPER "Build the whisper.cpp ASR engine" ${sts_whisper_found})
option(STS_WHISPER_CUDA "Build whisper.cpp with ggml's CUDA backend (needs the CUDA toolkit)" OFF)

if(NOT STS_WHISPER)
  if(NOT sts_whisper_found)
    message(STATUS "whisper ASR engine: off (${STS_WHISPER_SOURCE_DIR} missing: "
                   "run scripts/setup.sh, then configure with -DSTS_WHISPER=ON)")
  else()
    message(STATUS "whisper ASR engine: off (STS_WHISPER=OFF)")
  endif()
  return()
endif()
if(NOT sts_whisper_found)
  message(FATAL_ERROR "STS_WHISPER is ON but ${STS_WHISPER_SOURCE_DIR} is missing: run scripts/setup.sh")
endif()

# ggml has C sources; a language must be enabled in the top directory to be used below it.
enable_language(C)

# A function, so that the settings below are variables of its scope alone: the
# whisper tree sees them, our own targets do not.
function(sts_add_whisper)
  # whisper.cpp asks for CMake 3.5 policies, under which option() would ignore the
  # variables set here; CMP0077 NEW makes option() take them.
  set(CMAKE_POLICY_DEFAULT_CMP0077 NEW)

  set(BUILD_SHARED_LIBS OFF)  # static: one self-contained server binary
  set(WHISPER_BUILD_TESTS OFF)
  set(WHISPER_BUILD_EXAMPLES OFF)
  set(WHISPER_BUILD_SERVER OFF)
  set(WHISPER_ALL_WARNINGS OFF)  # upstream's warnings are upstream's business
  set(WHISPER_FATAL_WARNINGS OFF)
  set(WHISPER_CURL OFF)
  set(WHISPER_SDL2 OFF)

  # Portable x86-64-v3 (Haswell, 2013, and later; every AMD Zen): no -march=native,
  # so a binary built here runs on any such machine, with AVX2/FMA/F16C kernels.
  set(GGML_NATIVE OFF)
  set(GGML_SSE42 ON)
  set(GGML_AVX ON)
  set(GGML_AVX2 ON)
  set(GGML_BMI2 ON)
  set(GGML_FMA ON)
  set(GGML_F16C ON)
  set(GGML_AVX512 OFF)
  # ggml's own pthread thread pool rather than OpenMP: the same behaviour under GCC
  # and Clang, and no libomp to install for Clang 14.
  set(GGML_OPENMP OFF)
  set(GGML_CUDA ${STS_WHISPER_CUDA})
  set(GGML_BLAS OFF)
  set(GGML_LLAMAFILE OFF)
  set(GGML_BUILD_TESTS OFF)
  set(GGML_BUILD_EXAMPLES OFF)
  # The presets set CMAKE_{C,CXX}_COMPILER_LAUNCHER=ccache; without one, ggml would
  # put ccache on every rule of the whole project.
  set(GGML_CCACHE OFF)

  # In the sanitizer build ggml stops the run at once: it is not UBSan-clean (it
  # offsets null data pointers while building graphs), and -fno-sanitize-recover=all
  # turns that into an abort. So the whisper tree is built without sanitizers, and our
  # engine, which owns the pool, the buffers and the threads, is checked with them.
  get_directory_property(top_options COMPILE_OPTIONS)
  set(whisper_options ${top_options})
  list(FILTER whisper_options EXCLUDE REGEX "sanitize")
  set_directory_properties(PROPERTIES COMPILE_OPTIONS "${whisper_options}")
  add_subdirectory(${STS_WHISPER_SOURCE_DIR} ${CMAKE_BINARY_DIR}/whisper.cpp EXCLUDE_FROM_ALL SYSTEM)
  set_directory_properties(PROPERTIES COMPILE_OPTIONS "${top_options}")

  # ggml stamps `git rev-parse HEAD` into ggml-base, and inside node_modules that is
  # *our* commit: every commit would recompile ggml-base and miss ccache. Stamp the
  # package instead.
  get_target_property(definitions ggml-base COMPILE_DEFINITIONS)
  list(FILTER definitions EXCLUDE REGEX "^GGML_COMMIT=")
  list(APPEND definitions [[GGML_COMMIT="nodejs-whisper-0.3.1"]])
  set_target_properties(ggml-base PROPERTIES COMPILE_DEFINITIONS "${definitions}")
endfunction()

sts_add_whisper()
message(STATUS "whisper ASR engine: on (whisper.cpp from ${STS_WHISPER_SOURCE_DIR}, CUDA ${STS_WHISPER_CUDA})")
