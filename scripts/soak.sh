#!/usr/bin/env bash
# Soaks the release server: real-time streams of the dub pipeline (the test programme,
# looped, as m4a like the production worker) from sts-load for a while, sampling the
# server's RSS and open file descriptors every 10 s. Not part of CI.
#
#   scripts/soak.sh [--minutes N] [--streams N] [--warmup S]   (default: 10, 3, 60)
#
# Prints a table of samples and a summary; exits 1 on any lost or reordered fragment,
# a failed fragment or stream, or an RSS at the end more than 10 % above its level once
# warmed up. Extra server settings come from the environment (e.g. COMPUTE_THREADS=2).
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10
streams=3
warmup=60
while (($#)); do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

scripts/build.sh release >/dev/null
work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

STS_PIPELINE=dub LOG_LEVEL=warning build/release/src/app/sts-server --port 0 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 600); do
  grep -q "listening on port" "$work/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/server.out")

seconds=$((minutes * 60))
build/release/tools/sts-load/sts-load --server "http://127.0.0.1:$port" --streams "$streams" --realtime \
  --duration "$seconds" --server-pid "$server_pid" --json "$work/load.json" >"$work/load.txt" 2>&1 &
load_pid=$!

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }
echo "soak: $streams real-time streams for $minutes min against sts-server pid $server_pid (commit $(git rev-parse --short HEAD))"
printf '%8s %10s %6s\n' elapsed_s rss_mb fds
start=$SECONDS
: >"$work/samples"
while kill -0 "$load_pid" 2>/dev/null; do
  elapsed=$((SECONDS - start))
  rss=$(rss_kb)
  fds=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  echo "$elapsed $rss $fds" >>"$work/samples"
  printf '%8d %10.1f %6d\n' "$elapsed" "$(echo "$rss / 1024" | bc -l)" "$fds"
  # Polled, not synchronised on: the load runs on its own clock and this only samples it.
  sleep 10
done
load_status=0
wait "$load_pid" || load_status=$?
cat "$work/load.txt"

/usr/bin/python3 - "$work/samples" "$work/load.json" "$warmup" "$load_status" <<'EOF'
import json
import sys

samples_path, load_path, warmup, load_status = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
samples = [tuple(int(x) for x in line.split()) for line in open(samples_path) if line.strip()]
load = json.load(open(load_path))
stats = load
warm = [s for s in samples if s[0] >= warmup] or samples
rss_warm, rss_end = warm[0][1] / 1024, samples[-1][1] / 1024
rss_start, rss_peak = samples[0][1] / 1024, max(s[1] for s in samples) / 1024
fds = [s[2] for s in samples]
by_status = stats.get("fragments_by_status", {})
failed = by_status.get("failed", 0)
growth = (rss_end - rss_warm) / rss_warm * 100
print(f"summary: streams {load['config']['streams']}, fragments {stats['fragments']} "
      f"({by_status.get('success', 0)} success, {by_status.get('partial', 0)} partial, {failed} failed), "
      f"lost {stats['lost']}, reordered {stats['reordered']}, stream failures {len(load['stream_failures'])}")
print(f"rss MB: start {rss_start:.1f}, after warm-up ({warm[0][0]} s) {rss_warm:.1f}, peak {rss_peak:.1f}, "
      f"end {rss_end:.1f} ({growth:+.1f} % after warm-up); fds: start {fds[0]}, max {max(fds)}, end {fds[-1]}")
problems = []
if stats["lost"] or stats["reordered"]:
    problems.append("fragments lost or reordered")
if failed or load["stream_failures"] or load_status:
    problems.append("failed fragments or streams")
if growth > 10:
    problems.append("RSS grew more than 10 % after warm-up")
print("soak: " + ("FAILED: " + "; ".join(problems) if problems else "passed"))
sys.exit(1 if problems else 0)
EOF
