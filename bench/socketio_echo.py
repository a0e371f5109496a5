#!/usr/bin/python3
"""Echo benchmark: our Socket.IO server beside python-socketio's and Node socket.io's.

Starts each server with the same fixture behaviour ("message" -> "message-back") and
limits, drives all three with the same C++ client (bench/socketio_echo_client.cc) in
one run, and prints a table plus our ratios to each yardstick. A plain TCP echo of
the same 1.5 MiB (bench/yardsticks/tcp_echo.py) gives the ceiling: what the kernel
alone allows on this machine, for any server.

    /usr/bin/python3 bench/socketio_echo.py [--build build/release] [--seconds 3] [--threads 1]
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMITS = ["--max-payload", "104857600", "--ping-interval", "25000", "--ping-timeout", "20000"]


def start(command):
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        match = re.search(r"listening on port (\d+)", line)
        if match:
            return process, match.group(1)
    raise RuntimeError(f"{shlex.join(command)} did not start")


def measure(client, label, command, seconds, extra=()):
    process, port = start(command)
    try:
        output = subprocess.run([client, "--port", port, "--label", label, "--seconds", str(seconds), *extra],
                                check=True, capture_output=True, text=True).stdout
        return [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    finally:
        process.terminate()
        process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", default="1", help="io threads of our server")
    args = parser.parse_args()
    client = os.path.join(args.build, "bench", "socketio_echo_client")
    ours = os.path.join(args.build, "tools", "socketio-conformance-server", "socketio-conformance-server")
    servers = {
        "ours": [ours, "--port", "0", "--threads", args.threads] + LIMITS,
        "node": ["node", "bench/yardsticks/node_fixture.mjs", "--port", "0"] + LIMITS,
        "python": ["/usr/bin/python3", "bench/yardsticks/python_fixture.py", "--port", "0"] + LIMITS,
    }
    results = {}
    for label, command in servers.items():
        for row in measure(client, label, command, args.seconds):
            results[(label, row["scenario"], row["clients"])] = row
    tcp = {row["clients"]: row for row in measure(client, "tcp", ["/usr/bin/python3", "bench/yardsticks/tcp_echo.py"],
                                                   args.seconds, ["--raw-tcp"])}

    print(f"{'scenario':<16}{'clients':>8}{'server':>8}{'msg/s':>11}{'MiB/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'fail':>6}")
    keys = sorted({(s, c) for (_, s, c) in results}, key=lambda k: (k[0], k[1]))
    for scenario, clients in keys:
        for label in servers:
            row = results.get((label, scenario, clients))
            if row:
                print(f"{scenario:<16}{clients:>8}{label:>8}{row['messages_per_s']:>11.1f}{row['mib_per_s']:>9.1f}"
                      f"{row['p50_ms']:>9.3f}{row['p99_ms']:>9.3f}{row['failures']:>6}")
    print()
    for scenario, clients in keys:
        base = results.get(("ours", scenario, clients))
        for label in ("python", "node"):
            other = results.get((label, scenario, clients))
            if base and other and other["messages_per_s"] > 0:
                print(f"ratio {scenario} x{clients} ours/{label}: {base['messages_per_s'] / other['messages_per_s']:.1f}x throughput")
    print()
    for clients, row in sorted(tcp.items()):
        print(f"ceiling x{clients}: plain TCP echo of 1.5 MiB {row['messages_per_s']:.1f} msg/s", end="")
        for label in servers:
            other = results.get((label, "binary_1.5MiB", clients))
            if other and other["messages_per_s"] > 0:
                print(f"; {label}'s 1.5 MiB binary echo reaches {other['messages_per_s'] / row['messages_per_s']:.0%} of it",
                      end="")
        print()
    failures = sum(row["failures"] for row in [*results.values(), *tcp.values()])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
