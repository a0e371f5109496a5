#!/usr/bin/python3
"""The STS echo pipeline on python-socketio's own server, as a yardstick.

What a Python implementation of docs/protocol.md's echo mode looks like when written
the usual way: python-socketio 5.7.2 AsyncServer on aiohttp 3.8.4 (Debian
packages; run with /usr/bin/python3), fragments validated and base64-decoded
on receipt, acknowledged at once, processed (decode, echo, re-encode) in the
default thread pool, and delivered in sequence order per stream. It implements
what the benchmark exercises (stream:init, fragment:data, stream:end), not every
rejection of the protocol.

    /usr/bin/python3 bench/yardsticks/python_sts_echo.py [--port N] [--host ADDR]

Prints "listening on port N" once bound (port 0 = any free).
"""

import argparse
import asyncio
import base64
import binascii
import time

from aiohttp import web
import socketio

from aiohttp_serve import serve_forever

MAX_PAYLOAD = 50 * 1024 * 1024


class Stream:
    def __init__(self, init):
        self.id = init["stream_id"]
        self.config = init["config"]
        self.max_inflight = init.get("max_inflight", 3)
        self.pending = {}        # sequence_number -> result or None
        self.order = []          # accepted sequence numbers, sorted
        self.semaphore = asyncio.Semaphore(self.max_inflight)
        self.stats = []


def echo_job(audio, config):
    start = time.perf_counter()
    encoded = base64.b64encode(audio).decode("ascii")
    return encoded, (time.perf_counter() - start) * 1000


def build_app():
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*",
                               max_http_buffer_size=MAX_PAYLOAD, http_compression=False)
    streams = {}

    @sio.on("stream:init")
    async def stream_init(sid, data):
        if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
            await sio.emit("error", {"code": "INVALID_CONFIG", "message": "bad init"}, to=sid)
            return
        stream = Stream(data)
        streams[sid] = stream
        await sio.emit("stream:ready", {"stream_id": stream.id, "session_id": sid,
                                        "max_inflight": stream.max_inflight,
                                        "capabilities": {"batch_processing": False,
                                                         "async_delivery": True}}, to=sid)

    async def flush(sid, stream):
        while stream.order and stream.pending.get(stream.order[0]) is not None:
            seq = stream.order.pop(0)
            await sio.emit("fragment:processed", stream.pending.pop(seq), to=sid)

    async def process(sid, stream, fragment, audio, accepted):
        async with stream.semaphore:
            encoded, ms = await asyncio.get_running_loop().run_in_executor(
                None, echo_job, audio, stream.config)
        spec = fragment["audio"]
        elapsed = int((time.perf_counter() - accepted) * 1000)
        stream.stats.append(elapsed)
        stream.pending[fragment["sequence_number"]] = {
            "fragment_id": fragment["fragment_id"], "stream_id": stream.id,
            "sequence_number": fragment["sequence_number"], "status": "success",
            "dubbed_audio": {"format": spec["format"], "sample_rate_hz": spec["sample_rate_hz"],
                             "channels": spec["channels"], "duration_ms": spec["duration_ms"],
                             "data_base64": encoded},
            "transcript": "", "translated_text": "", "processing_time_ms": elapsed,
            "stage_timings": {"asr_ms": 0, "translation_ms": 0, "tts_ms": round(ms)},
            "metadata": {"original_duration_ms": spec["duration_ms"],
                         "dubbed_duration_ms": spec["duration_ms"],
                         "duration_variance_percent": 0, "speed_ratio": 1.0,
                         "asr_model": "echo", "translation_model": "echo", "tts_model": "echo"}}
        await flush(sid, stream)

    @sio.on("fragment:data")
    async def fragment_data(sid, data):
        stream = streams.get(sid)
        fragment_id = data.get("fragment_id") if isinstance(data, dict) else None
        if stream is None or data.get("stream_id") != stream.id:
            await sio.emit("error", {"code": "STREAM_NOT_FOUND", "fragment_id": fragment_id}, to=sid)
            return
        try:
            audio = base64.b64decode(data["audio"]["data_base64"], validate=True)
        except (KeyError, TypeError, binascii.Error):
            await sio.emit("error", {"code": "INVALID_FRAGMENT", "fragment_id": fragment_id}, to=sid)
            return
        accepted = time.perf_counter()
        seq = data["sequence_number"]
        stream.pending[seq] = None
        stream.order.append(seq)
        stream.order.sort()
        await sio.emit("fragment:ack", {"fragment_id": fragment_id, "status": "queued",
                                        "queue_position": len(stream.order) - 1,
                                        "estimated_completion_ms": 0,
                                        "timestamp": int(time.time() * 1000)}, to=sid)
        asyncio.ensure_future(process(sid, stream, data, audio, accepted))

    @sio.on("stream:end")
    async def stream_end(sid, data):
        stream = streams.get(sid)
        if stream is None:
            return
        while stream.order:
            await asyncio.sleep(0.01)
        await sio.emit("stream:complete", {"stream_id": stream.id,
                                           "total_fragments": len(stream.stats)}, to=sid)

    @sio.event
    async def disconnect(sid):
        streams.pop(sid, None)

    app = web.Application(client_max_size=MAX_PAYLOAD)
    sio.attach(app)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    serve_forever(build_app(), args.host, args.port)


if __name__ == "__main__":
    main()
