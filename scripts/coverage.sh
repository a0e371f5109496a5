#!/usr/bin/env bash
# Line coverage of src/ by every test (unit, conformance, contract, e2e, accuracy):
# a gcov build (preset coverage), the tests, then gcovr's report. Fails when src/
# is under 80 % or a pipeline stage (ASR, translation, TTS, duration matching) is
# under 95 %. The HTML report is build/coverage/coverage/index.html.
#
#   scripts/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh coverage
find build/coverage -name '*.gcda' -delete
ctest --preset coverage -j "$(nproc)"

report=build/coverage/coverage
mkdir -p "$report"
# Only our code: whisper.cpp and generated files are not ours to cover.
gcovr --root . --object-directory build/coverage --filter 'src/' \
  --exclude-unreachable-branches --exclude-throw-branches \
  --txt "$report/summary.txt" --json-summary "$report/summary.json" --json-summary-pretty \
  --html-details "$report/index.html" --print-summary
/usr/bin/python3 scripts/coverage_check.py "$report/summary.json"
