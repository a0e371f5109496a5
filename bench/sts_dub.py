#!/usr/bin/python3
"""Full offline pipeline benchmark (pocketsphinx -> apertium -> espeak-ng ->
rubberband): python-socketio workers stream the test programme's 6 s fragments
(pcm_s16le, 48 kHz stereo) to the release sts-server.

Modes: paced in real time, one fragment per 6 s per stream (1 and 3 streams), and
flat out (1 stream, up to 3 fragments in flight). Prints P50/P95 of each stage's
time, of the server's processing_time_ms and of the latency the worker sees (send
to fragment:processed). Targets: P95 <= 2.5 s at 1 stream and <= 6 s at 3 real-time
streams on 2 cores.

    /usr/bin/python3 bench/sts_dub.py [--server build/release/src/app/sts-server] [--fragments 6]
"""
import argparse
import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import time

import socketio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("STS_DATA_DIR", os.path.join(ROOT, "test-data"))
STAGES = ["decode_ms", "asr_ms", "translation_ms", "tts_ms", "duration_match_ms", "encode_ms"]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0


async def stream(url, name, fragments, paced, results):
    client = socketio.AsyncClient(reconnection=False)
    ready, done = asyncio.Event(), asyncio.Event()
    sent_at, inflight = {}, asyncio.Semaphore(3)

    @client.on("stream:ready")
    async def on_ready(data):
        ready.set()

    @client.on("fragment:processed")
    async def on_processed(data):
        seq = data["sequence_number"]
        results.append({"latency_ms": (time.monotonic() - sent_at[seq]) * 1000,
                        "processing_ms": data["processing_time_ms"], "status": data["status"],
                        **{k: data["stage_timings"].get(k, 0) for k in STAGES}})
        inflight.release()
        done_seqs.add(seq)
        if len(done_seqs) == len(fragments):
            done.set()

    done_seqs = set()
    await client.connect(url, transports=["websocket"])
    await client.emit("stream:init", {"stream_id": name, "worker_id": "bench", "max_inflight": 3, "timeout_ms": 30000,
                                      "config": {"source_language": "en", "target_language": "es",
                                                 "voice_profile": "default", "chunk_duration_ms": 6000,
                                                 "sample_rate_hz": 48000, "channels": 2, "format": "pcm_s16le"}})
    await ready.wait()
    start = time.monotonic()
    for seq, audio in enumerate(fragments):
        if paced:
            await asyncio.sleep(max(0, start + seq * 6 - time.monotonic()))
        else:
            await inflight.acquire()
        sent_at[seq] = time.monotonic()
        await client.emit("fragment:data", {
            "fragment_id": f"{name}-{seq}", "stream_id": name, "sequence_number": seq,
            "timestamp": int(time.time() * 1000),
            "audio": {"format": "pcm_s16le", "sample_rate_hz": 48000, "channels": 2, "duration_ms": 6000,
                      "data_base64": audio}})
    await done.wait()
    await client.disconnect()


async def run_mode(url, label, streams, fragments, paced):
    results = []
    await asyncio.gather(*(stream(url, f"{label}-{i}", fragments, paced, results) for i in range(streams)))
    failed = sum(r["status"] == "failed" for r in results)
    print(f"{label}: {len(results)} fragments, {failed} failed")
    for key in STAGES + ["processing_ms", "latency_ms"]:
        values = [r[key] for r in results]
        print(f"  {key:18} P50 {percentile(values, 0.5):7.0f}  P95 {percentile(values, 0.95):7.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.path.join(ROOT, "build/release/src/app/sts-server"))
    parser.add_argument("--fragments", type=int, default=6, help="6 s fragments per stream (at most 10)")
    args = parser.parse_args()
    fragments = []
    for index in range(min(args.fragments, 10)):
        with open(os.path.join(DATA, "program", f"frag_{index:03d}.s16"), "rb") as f:
            fragments.append(base64.b64encode(f.read()).decode())
    server = subprocess.Popen([args.server, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, env={**os.environ, "STS_PIPELINE": "dub", "LOG_LEVEL": "warning"})
    try:
        port = int(re.search(r"listening on port (\d+)", server.stdout.readline()).group(1))
        url = f"http://127.0.0.1:{port}"
        asyncio.run(run_mode(url, "paced, 1 stream", 1, fragments, True))
        asyncio.run(run_mode(url, "paced, 3 streams", 3, fragments, True))
        asyncio.run(run_mode(url, "flat out, 1 stream", 1, fragments, False))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
