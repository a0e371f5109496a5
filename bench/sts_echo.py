#!/usr/bin/python3
"""STS echo benchmark: our server's echo pipeline beside a python-socketio
implementation of the same protocol (bench/yardsticks/python_sts_echo.py).

Both are driven by the same C++ client (bench/sts_echo_client.cc) with real 6 s
48 kHz stereo pcm_s16le programme fragments, base64 in JSON, at 1, 3 and 10
concurrent streams, in two modes:
  saturated: each stream keeps 3 fragments in flight; fragments/s is throughput.
  paced:     each stream sends one fragment every --interval-ms (200 ms: 30x real
             time), a load both servers sustain; latencies are what a worker sees.
Each server first gets one unmeasured second of flat-out load, so the figures are
its steady state, not its first heap growth. Prints a table and our ratios to the
yardstick.

    /usr/bin/python3 bench/sts_echo.py [--build build/release] [--seconds 5] [--interval-ms 200]
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUDIO = os.path.join(ROOT, "test-data", "program", "frag_000.s16")


def start(command, env=None):
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env=env)
    for line in process.stdout:
        match = re.search(r"listening on port (\d+)", line)
        if match:
            return process, match.group(1)
    raise RuntimeError(f"{command} did not start")


def measure(client, label, command, args, env, extra):
    process, port = start(command, env)
    try:
        output = subprocess.run([client, "--port", port, "--label", label, "--audio", args.audio,
                                 "--seconds", str(args.seconds), "--streams", args.streams,
                                 "--server-pid", str(process.pid), *extra],
                                check=True, capture_output=True, text=True).stdout
        return [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    finally:
        process.terminate()
        process.wait()


def report(title, results, servers):
    print(title)
    print(f"{'streams':>7}{'server':>8}{'frag/s':>9}{'ack p50':>9}{'ack p99':>9}"
          f"{'proc p50':>10}{'proc p99':>10}{'cpu ms/frag':>13}{'fail':>6}")
    for streams in sorted({s for _, s in results}):
        for label in servers:
            row = results.get((label, streams))
            if row:
                print(f"{streams:>7}{label:>8}{row['fragments_per_s']:>9.1f}{row['ack_p50_ms']:>9.2f}"
                      f"{row['ack_p99_ms']:>9.2f}{row['processed_p50_ms']:>10.2f}{row['processed_p99_ms']:>10.2f}"
                      f"{row['cpu_ms_per_fragment']:>13.2f}{row['failures']:>6}")
    print()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--streams", default="1,3,10")
    parser.add_argument("--interval-ms", type=int, default=200)
    parser.add_argument("--audio", default=AUDIO)
    args = parser.parse_args()
    client = os.path.join(args.build, "bench", "sts_echo_client")
    env = dict(os.environ, STS_PIPELINE="echo", LOG_LEVEL="warning")
    servers = {
        "ours": ([os.path.join(args.build, "src", "app", "sts-server"), "--port", "0"], env),
        "python": (["/usr/bin/python3", "bench/yardsticks/python_sts_echo.py", "--port", "0"], None),
    }
    modes = {
        "saturated": ["--window", "3"],
        # max_inflight 10 so a slow server shows as latency, not as rejections.
        "paced": ["--window", "10", "--interval-ms", str(args.interval_ms)],
    }
    results = {mode: {} for mode in modes}
    for mode, extra in modes.items():
        for label, (command, server_env) in servers.items():
            for row in measure(client, label, command, args, server_env, extra):
                results[mode][(label, row["streams"])] = row

    report("saturated: 3 fragments in flight per stream", results["saturated"], servers)
    report(f"paced: one fragment per stream every {args.interval_ms} ms", results["paced"], servers)
    for streams in sorted({s for _, s in results["saturated"]}):
        ours, python = results["saturated"].get(("ours", streams)), results["saturated"].get(("python", streams))
        paced_ours, paced_python = results["paced"].get(("ours", streams)), results["paced"].get(("python", streams))
        if ours and python and python["fragments_per_s"] > 0:
            print(f"x{streams} streams ours/python: {ours['fragments_per_s'] / python['fragments_per_s']:.1f}x "
                  f"fragments/s, {python['cpu_ms_per_fragment'] / max(ours['cpu_ms_per_fragment'], 0.01):.1f}x "
                  f"less CPU per fragment", end="")
            if paced_ours and paced_python:
                print(f"; paced ack p99 {paced_ours['ack_p99_ms']:.2f} vs {paced_python['ack_p99_ms']:.2f} ms", end="")
            print()
    failed = any(row["failures"] for mode in results.values() for row in mode.values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
