#!/usr/bin/env bash
# Runs every libFuzzer target (or those named) for a while each, one after another, and
# prints a table. Not part of CI: CTest's fuzz.* tests run each target for 20 s only.
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [TARGET ...]      (default: 600 s, 1 job, all)
#
# The corpus grows in build/asan-ubsan/tests/fuzz/corpus/TARGET (kept between runs; the
# committed seeds in tests/fuzz/corpus/ are only read). A crash, leak or timeout is saved
# as build/fuzz-crashes/TARGET/{crash,leak,timeout,oom}-SHA1 and the script exits 1 (until
# the saved files are looked at and removed).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=600
jobs=1
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

scripts/build.sh asan-ubsan >/dev/null
bin=build/asan-ubsan/tests/fuzz
if ((${#targets[@]} == 0)); then
  for exe in "$bin"/fuzz_*; do targets+=("${exe##*/fuzz_}"); done
fi

logs=build/fuzz-logs
mkdir -p "$logs"
run_target() {
  local target=$1
  local crashes=build/fuzz-crashes/$target corpus=$bin/corpus/$target
  mkdir -p "$crashes" "$corpus"
  # -jobs/-workers stay at 1: one process a target keeps the "runs" figure meaningful.
  "$bin/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "tests/fuzz/corpus/$target" \
    >"$logs/$target.log" 2>&1
}

echo "fuzzing ${targets[*]} for ${seconds} s each, $jobs at a time (commit $(git rev-parse --short HEAD))"
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then wait -n || true; running=$((running - 1)); fi
  run_target "$target" &
  running=$((running + 1))
done
wait || true

failed=0
printf '%-14s %12s %10s %8s %8s  %s\n' target runs exec/s corpus crashes result
for target in "${targets[@]}"; do
  log=$logs/$target.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$bin/corpus/$target" -type f | wc -l)
  crashes=$(find "build/fuzz-crashes/$target" -type f | wc -l)
  if grep -q '^Done [0-9]* runs' "$log" && ((crashes == 0)); then
    result=clean
  else
    result="FAILED (see $log)"
    failed=1
  fi
  printf '%-14s %12s %10s %8s %8s  %s\n' "$target" "${runs:-?}" "${rate:-?}" "$corpus" "$crashes" "$result"
done
exit $failed
