#!/usr/bin/env bash
# Sets up, then builds and runs every test: the GCC dev build (unit, conformance,
# contract), then the Clang ASan+UBSan build (unit, conformance, contract, fuzz smoke).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
for preset in dev asan-ubsan; do
  echo "=== $preset: build"
  scripts/build.sh "$preset"
  echo "=== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
