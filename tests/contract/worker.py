"""A test worker: a real python-socketio AsyncClient speaking the STS protocol,
recording every server event in arrival order so tests can assert on order."""

import asyncio
import base64
import json
import os
import time

import socketio

SERVER_EVENTS = ["stream:ready", "fragment:ack", "fragment:processed", "backpressure",
                 "stream:complete", "error"]

DATA_DIR = os.environ.get(
    "STS_DATA_DIR",
    os.path.join(os.path.dirname(__file__), "..", "..", "test-data"))


def program_fragment(index, ext="s16"):
    """A 6 s (the last: 3.342 s) 48 kHz stereo fragment of the test programme."""
    with open(os.path.join(DATA_DIR, "program", f"frag_{index:03d}.{ext}"), "rb") as f:
        return f.read()


def program_manifest():
    with open(os.path.join(DATA_DIR, "program", "manifest.json")) as f:
        return json.load(f)


# 250 ms of the programme's speech as pcm_s16le 48 kHz stereo: small enough that
# tests sending many fragments stay quick, real audio all the same.
SHORT_PCM = program_fragment(0)[:48000 * 2 * 2 // 4]
SHORT_MS = 250


def stream_config(**overrides):
    config = {"source_language": "en", "target_language": "es", "voice_profile": "default",
              "chunk_duration_ms": 6000, "sample_rate_hz": 48000, "channels": 2,
              "format": "pcm_s16le"}
    config.update(overrides)
    return config


# Workers still connected when a test ends; conftest disconnects them so a failed
# test does not leave sockets to a closed event loop.
LIVE = []


class Worker:
    def __init__(self, server, stream_id="stream-1"):
        self.server = server
        self.stream_id = stream_id
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events = []          # (name, payload) in arrival order
        self._changed = asyncio.Condition()
        self.disconnected = asyncio.Event()
        for name in SERVER_EVENTS:
            self.sio.on(name, self._recorder(name))
        self.sio.on("disconnect", self._on_disconnect)
        self.connect_errors = []
        self.sio.on("connect_error", self._on_connect_error)

    def _recorder(self, name):
        async def record(data):
            async with self._changed:
                self.events.append((name, data))
                self._changed.notify_all()
        return record

    async def _on_connect_error(self, data):
        self.connect_errors.append(data)

    async def _on_disconnect(self):
        self.disconnected.set()
        async with self._changed:
            self._changed.notify_all()

    async def connect(self, auth=None, headers=None, transports=("websocket",)):
        await self.sio.connect(self.server.url, transports=list(transports), auth=auth,
                               headers=headers or {})
        LIVE.append(self)
        return self

    async def close(self):
        await self.sio.disconnect()

    # waiting ----------------------------------------------------------------

    async def wait_for(self, predicate, what="event"):
        """Waits until predicate(events) is truthy; returns its value."""
        async with self._changed:
            while True:
                value = predicate(self.events)
                if value:
                    return value
                if self.disconnected.is_set():
                    raise AssertionError(f"disconnected while waiting for {what}; got {self.summary()}")
                await self._changed.wait()

    async def next(self, name, **match):
        """The first event `name` whose payload has the given field values."""
        def find(events):
            for event, data in events:
                if event == name and all(data.get(k) == v for k, v in match.items()):
                    return (data,)
            return None
        return (await self.wait_for(find, f"{name} {match}"))[0]

    def of(self, name, **match):
        return [d for e, d in self.events if e == name and all(d.get(k) == v for k, v in match.items())]

    async def processed(self, count):
        """Waits for `count` fragment:processed events; returns them in arrival order."""
        def enough(events):
            got = [d for e, d in events if e == "fragment:processed"]
            return got if len(got) >= count else None
        return await self.wait_for(enough, f"{count} fragment:processed")

    def summary(self):
        return [(e, d.get("fragment_id") or d.get("code") or d.get("severity")) for e, d in self.events]

    # sending ------------------------------------------------------------------

    async def init(self, expect_ready=True, **fields):
        payload = {"stream_id": self.stream_id, "worker_id": "worker-1", "config": stream_config()}
        payload.update(fields)
        await self.sio.emit("stream:init", payload)
        if expect_ready:
            return await self.next("stream:ready")
        return None

    def fragment(self, seq, fragment_id=None, audio=SHORT_PCM, duration_ms=SHORT_MS, fault=None,
                 fmt="pcm_s16le", rate=48000, channels=2, stream_id=None):
        payload = {
            "fragment_id": fragment_id or f"frag-{seq}",
            "stream_id": stream_id or self.stream_id,
            "sequence_number": seq,
            "timestamp": int(time.time() * 1000),
            "audio": {"format": fmt, "sample_rate_hz": rate, "channels": channels,
                      "duration_ms": duration_ms,
                      "data_base64": base64.b64encode(audio).decode()},
        }
        if fault is not None:
            payload["metadata"] = {"fault": fault}
        return payload

    async def send(self, seq, **kwargs):
        payload = self.fragment(seq, **kwargs)
        await self.sio.emit("fragment:data", payload)
        return payload["fragment_id"]

    async def emit(self, event, payload):
        await self.sio.emit(event, payload)
