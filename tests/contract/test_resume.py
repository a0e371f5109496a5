"""A stream outlives its connection (docs/protocol.md §2): a worker that behaves as the
production one streams the programme through a TCP proxy that cuts the connection, and
gets every fragment it sent, in order, with nothing lost."""
import asyncio
import base64
import json
import os
import sys
import time

import socketio

from test_observability import sample, scrape
from worker import Worker, program_fragment, program_manifest, stream_config

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "doubles"))
from tcp_proxy import TcpProxy  # noqa: E402

FRAGMENTS = 11
SLOW = {"stage": "asr", "delay_ms": 300}  # results still in flight when the cut comes


class ProductionWorker:
    """What the production worker does on a blip: python-socketio reconnects by itself
    (websocket only, to a host name, so its session keeps the affinity cookie); on a
    disconnect the stream is "not ready" and nothing is sent until a stream:ready comes;
    stream:init is never sent again (unless `reinit`); results nobody waits for are
    ignored. `log` keeps ("ready", payload) and ("processed", payload) in arrival order."""

    def __init__(self, port, stream_id="live-1", reinit=False):
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.5,
                                        randomization_factor=0)
        self.url = f"http://localhost:{port}"
        self.stream_id = stream_id
        self.reinit = reinit
        self.ready = asyncio.Event()
        self.log = []
        self.acked = set()
        self.delivered = {}  # fragment_id -> first fragment:processed
        self.changed = asyncio.Condition()
        self.reconnects = 0
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("stream:ready", self._on_ready)
        self.sio.on("fragment:ack", self._on_ack)
        self.sio.on("fragment:processed", self._on_processed)
        self.sio.on("stream:complete", self._on_complete)
        self.complete = None

    def init_payload(self):
        return {"stream_id": self.stream_id, "worker_id": "worker-1",
                "config": stream_config(format="m4a"), "timeout_ms": 8000}

    async def start(self):
        await self.sio.connect(self.url, transports=["websocket"])
        await self.sio.emit("stream:init", self.init_payload())
        await self.ready.wait()

    async def _on_connect(self):
        if self.log:  # not the first connection
            self.reconnects += 1
            if self.reinit:
                await self.sio.emit("stream:init", self.init_payload())

    async def _on_disconnect(self):
        self.ready.clear()

    async def _note(self, entry):
        async with self.changed:
            self.log.append(entry)
            self.changed.notify_all()

    async def _on_ready(self, payload):
        await self._note(("ready", payload))
        self.ready.set()

    async def _on_ack(self, payload):
        async with self.changed:
            self.acked.add(payload["fragment_id"])
            self.changed.notify_all()

    async def _on_processed(self, payload):
        self.delivered.setdefault(payload["fragment_id"], payload)
        await self._note(("processed", payload))

    async def _on_complete(self, payload):
        self.complete = payload
        await self._note(("complete", payload))

    async def until(self, predicate):
        async with self.changed:
            await self.changed.wait_for(predicate)

    async def send(self, seq):
        await self.ready.wait()
        duration = program_manifest()["fragments"][seq]["duration_ms"]
        fragment_id = f"{self.stream_id}-frag-{seq}"
        await self.sio.emit("fragment:data", {
            "fragment_id": fragment_id, "stream_id": self.stream_id, "sequence_number": seq,
            "timestamp": int(time.time() * 1000),
            "audio": {"format": "m4a", "sample_rate_hz": 48000, "channels": 2, "duration_ms": duration,
                      "data_base64": base64.b64encode(program_fragment(seq, "aac")).decode()},
            "metadata": {"fault": SLOW}})
        await self.until(lambda: fragment_id in self.acked)

    async def stream(self, cut_after):
        """Sends the programme, `cut_after` maps a sequence number to the cut made once
        its ack came; paced like max_inflight 3."""
        for seq in range(FRAGMENTS):
            if seq >= 3:
                await self.until(lambda: f"{self.stream_id}-frag-{seq - 3}" in self.delivered)
            await self.send(seq)
            if seq in cut_after:
                await cut_after[seq]()
        await self.until(lambda: len(self.delivered) == FRAGMENTS)
        await self.ready.wait()
        await self.sio.emit("stream:end", {"stream_id": self.stream_id})
        await self.until(lambda: self.complete is not None)


def check_delivery(worker):
    """Every fragment sent came back a success, first deliveries in order; a duplicate
    only repeats a fragment already delivered, and only after a re-attach."""
    first, seen, resumed_since = [], set(), {}
    readies = 0
    for kind, payload in worker.log:
        if kind == "ready":
            readies += 1
        if kind != "processed":
            continue
        fragment_id = payload["fragment_id"]
        if fragment_id in seen:
            assert resumed_since[fragment_id] < readies, f"{fragment_id} came twice without a re-attach between"
            continue
        seen.add(fragment_id)
        resumed_since[fragment_id] = readies
        first.append(payload)
    assert [p["sequence_number"] for p in first] == list(range(FRAGMENTS))
    assert all(p["status"] == "success" for p in first), [p.get("error") for p in first]
    assert worker.complete["total_fragments"] == FRAGMENTS
    assert worker.complete["statistics"]["success_count"] == FRAGMENTS


async def test_two_resets_lose_nothing_for_the_production_worker(start_server):
    server = start_server()
    proxy = await TcpProxy.start(server.port)
    worker = ProductionWorker(proxy.port)
    try:
        await worker.start()
        await worker.stream({4: proxy.cut, 8: proxy.cut})
    finally:
        await worker.sio.disconnect()
        await proxy.close()
    check_delivery(worker)
    assert worker.reconnects == 2
    resumed = [payload for kind, payload in worker.log if kind == "ready" and payload.get("resumed")]
    assert len(resumed) == 2
    for ready in resumed:
        assert ready["stream_id"] == "live-1" and ready["next_sequence_number"] in (5, 9)
    families = await scrape(server)
    assert sample(families, "sts_stream_resumes", "_total") == 2
    assert sample(families, "sts_stream_detached") == 0
    logged = json.loads(await server.wait_for_line('"msg":"stream re-attached"'))
    assert logged["by"] == "affinity cookie" and logged["worker_id"] == "worker-1"


async def test_a_half_open_connection_loses_nothing_either(start_server):
    # The client hears nothing on a black-holed connection and reconnects after its
    # heartbeat gives up; the server still holds the old one: the stream moves anyway.
    server = start_server(PING_INTERVAL_MS=300, PING_TIMEOUT_MS=300)
    proxy = await TcpProxy.start(server.port)
    worker = ProductionWorker(proxy.port)
    blackhole = lambda: proxy.cut(mode="blackhole")  # noqa: E731
    try:
        await worker.start()
        await worker.stream({4: blackhole})
    finally:
        await worker.sio.disconnect()
        await proxy.release_blackholes()
        await proxy.close()
    check_delivery(worker)


async def test_an_explicit_reinit_resumes_with_the_next_sequence_number_and_what_is_pending(start_server):
    server = start_server()
    proxy = await TcpProxy.start(server.port)
    worker = ProductionWorker(proxy.port, reinit=True)
    try:
        await worker.start()
        await worker.stream({4: proxy.cut})
    finally:
        await worker.sio.disconnect()
        await proxy.close()
    check_delivery(worker)
    resumed = [payload for kind, payload in worker.log if kind == "ready" and payload.get("resumed")]
    assert resumed and resumed[0]["next_sequence_number"] == 5
    assert set(resumed[0]["pending"]) <= {2, 3, 4}


async def test_after_the_grace_the_stream_is_gone_and_its_memory_freed(start_server):
    server = start_server(STREAM_RESUME_GRACE_MS=1000)
    proxy = await TcpProxy.start(server.port)
    worker = Worker(server, stream_id="expiring")
    worker.server = type("Via", (), {"url": f"http://127.0.0.1:{proxy.port}"})()
    await worker.connect()
    await worker.init()
    await worker.send(0, fault={"delay_ms": 200})
    await worker.next("fragment:ack")
    await proxy.cut()
    expired = json.loads(await server.wait_for_line("stream resume grace expired"))
    assert expired["stream_id"] == "expiring" and expired["seconds_detached"] >= 1
    late = await Worker(server, stream_id="expiring").connect()
    await late.send(1)
    refused = await late.next("error")
    assert refused["code"] == "STREAM_NOT_FOUND"
    families = await scrape(server)
    assert sample(families, "sts_stream_resume_expired", "_total") == 1
    assert sample(families, "sts_stream_detached") == 0
    assert sample(families, "sts_fragments_in_flight") == 0
    await proxy.close()


async def test_another_worker_id_cannot_take_a_detached_stream(start_server):
    server = start_server()
    owner = await Worker(server, stream_id="owned").connect()
    await owner.init()
    await owner.close()
    await server.wait_for_line('"msg":"stream detached"')
    intruder = await Worker(server, stream_id="owned").connect()
    await intruder.init(expect_ready=False, worker_id="worker-2")
    refused = await intruder.next("error")
    assert (refused["code"], refused["stream_id"]) == ("STREAM_NOT_FOUND", "owned")


async def test_two_open_connections_sharing_a_cookie_keep_their_own_streams(start_server):
    # Two tabs of one browser: the same cookie, each its own stream.
    server = start_server()
    cookie = {"Cookie": "sts_affinity=one-browser-key"}
    first = await Worker(server, stream_id="tab-1").connect(headers=cookie)
    await first.init()
    second = await Worker(server, stream_id="tab-2").connect(headers=cookie)
    ready = await second.init()
    assert ready["stream_id"] == "tab-2" and "resumed" not in ready
    await first.send(0)
    assert (await first.next("fragment:processed"))["status"] == "success"
    assert first.of("stream:ready") and len(first.of("stream:ready")) == 1


async def test_a_stream_ended_then_opened_again_on_one_connection_is_a_new_stream(start_server):
    server = start_server(STREAM_CLOSE_DELAY_MS=10000)
    worker = await Worker(server, stream_id="again").connect()
    await worker.init()
    await worker.emit("stream:end", {"stream_id": "again"})
    await worker.next("stream:complete")
    await worker.init(expect_ready=False)
    await worker.wait_for(lambda events: len([e for e, _ in events if e == "stream:ready"]) == 2 or None,
                          "a second stream:ready")
    assert "resumed" not in worker.of("stream:ready")[1]
