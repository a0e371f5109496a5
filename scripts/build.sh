#!/usr/bin/env bash
# Configures (once) and builds one CMake preset: scripts/build.sh dev|asan-ubsan|release
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:?usage: scripts/build.sh PRESET}
# ccache keyed on paths relative to the checkout, so a fresh clone reuses the cache.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
[[ -f build/$preset/CMakeCache.txt ]] || cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
