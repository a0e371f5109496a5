"""Stream lifecycle (docs/protocol.md §2): pause/resume, end → complete → close,
worker disconnects, authentication, identification headers, graceful shutdown."""

import asyncio
import signal
import statistics

import pytest
import socketio

from worker import Worker


async def test_pause_rejects_new_fragments_while_pending_ones_finish(server):
    worker = await Worker(server).connect()
    await worker.init()
    await worker.send(0, fault={"delay_ms": 400})
    await worker.emit("stream:pause", {"stream_id": "stream-1", "reason": "ad break"})
    await worker.send(1)
    assert (await worker.next("error", fragment_id="frag-1"))["code"] == "STREAM_PAUSED"
    assert (await worker.next("fragment:processed", fragment_id="frag-0"))["status"] == "success"
    await worker.emit("stream:resume", {"stream_id": "stream-1"})
    await worker.send(1)
    processed = await worker.next("fragment:processed", fragment_id="frag-1")
    assert processed["status"] == "success"


async def test_end_delivers_everything_then_completes_then_closes(server):
    worker = await Worker(server).connect()
    await worker.init()
    await worker.send(0, fault={"delay_ms": 300})
    await worker.send(1, fault={"code": "MODEL_ERROR"})
    await worker.send(2, fault={"delay_ms": 100})
    await worker.send(3)
    await worker.emit("stream:end", {"stream_id": "stream-1", "reason": "programme over"})
    await worker.send(4)
    complete = await worker.next("stream:complete")

    processed = worker.of("fragment:processed")
    assert [p["sequence_number"] for p in processed] == [0, 1, 2, 3]
    names = [e for e, _ in worker.events]
    assert names.index("stream:complete") > max(i for i, n in enumerate(names) if n == "fragment:processed")
    assert (await worker.next("error", fragment_id="frag-4"))["code"] == "STREAM_ENDING"

    times = [p["processing_time_ms"] for p in processed]
    for where in (complete, complete["statistics"]):
        assert where["success_count"] == 3
        assert where["partial_count"] == 0
        assert where["failed_count"] == 1
        assert where["avg_processing_time_ms"] == pytest.approx(statistics.mean(times))
    assert complete["total_fragments"] == 4
    assert complete["total_duration_ms"] == sum(p["metadata"]["original_duration_ms"] for p in processed)
    assert complete["statistics"]["p95_processing_time_ms"] == sorted(times)[-1]
    # The server closes the connection after STREAM_CLOSE_DELAY_MS.
    await worker.disconnected.wait()


async def test_end_with_nothing_pending_completes_at_once(server):
    worker = await Worker(server).connect()
    await worker.init()
    await worker.emit("stream:end", {"stream_id": "stream-1"})
    complete = await worker.next("stream:complete")
    assert complete["total_fragments"] == 0
    await worker.disconnected.wait()


async def test_worker_that_leaves_right_after_end_disturbs_nobody(start_server):
    # python-socketio may drop the stream:end it queued just before disconnecting, and a
    # stream lost without stream:end waits for a reconnect (test_resume.py); without a
    # grace it is cancelled at once either way.
    server = start_server(STREAM_RESUME_GRACE_MS=0)
    leaving = Worker(server, stream_id="leaving")
    await leaving.connect()
    await leaving.init()
    for seq in range(3):
        await leaving.send(seq, fault={"delay_ms": 500})
    await leaving.wait_for(lambda ev: len(leaving.of("fragment:ack")) == 3, "acks")
    await leaving.emit("stream:end", {"stream_id": "leaving"})
    await leaving.close()
    await server.wait_for_line('"msg":"pending fragments cancelled"')

    staying = await Worker(server, stream_id="staying").connect()
    await staying.init()
    for seq in range(3):
        await staying.send(seq)
    processed = await staying.processed(3)
    assert [p["status"] for p in processed] == ["success"] * 3


async def test_control_events_for_another_stream_are_stream_not_found(server):
    worker = await Worker(server).connect()
    await worker.init()
    for event in ("stream:pause", "stream:resume", "stream:end"):
        await worker.emit(event, {"stream_id": "not-mine"})
    await worker.wait_for(lambda ev: len(worker.of("error")) == 3, "three errors")
    assert {e["code"] for e in worker.of("error")} == {"STREAM_NOT_FOUND"}
    await worker.send(0)  # the stream was not paused or ended by them
    await worker.next("fragment:processed")


# ---- authentication and identification --------------------------------------

async def test_without_api_key_every_connection_is_accepted(server):
    worker = await Worker(server).connect(auth={"token": "anything"})
    await worker.init()


@pytest.mark.parametrize("auth", [None, {}, {"token": "wrong"}, {"token": 5}, {"key": "s3cret"}])
async def test_api_key_refuses_a_missing_or_wrong_token(start_server, auth):
    server = start_server(STS_API_KEY="s3cret")
    worker = Worker(server)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await worker.connect(auth=auth)
    assert worker.connect_errors == [{"message": "AUTH_FAILED"}]


async def test_api_key_accepts_the_right_token(start_server):
    server = start_server(STS_API_KEY="s3cret")
    worker = await Worker(server).connect(auth={"token": "s3cret"})
    await worker.init()
    await worker.send(0)
    await worker.next("fragment:processed")


async def test_stream_and_worker_headers_are_recorded_in_the_logs(server):
    worker = await Worker(server).connect(headers={"X-Stream-ID": "channel-7", "X-Worker-ID": "capture-3"})
    await worker.init()
    line = await server.wait_for_line('"x_stream_id":"channel-7"')
    assert '"x_worker_id":"capture-3"' in line


# ---- graceful shutdown ------------------------------------------------------

async def test_sigterm_delivers_what_is_in_flight_then_closes(server):
    worker = await Worker(server).connect()
    await worker.init()
    for seq in range(3):
        await worker.send(seq, fault={"delay_ms": 700})
    await worker.wait_for(lambda ev: len(worker.of("fragment:ack")) == 3, "acks")
    server.signal(signal.SIGTERM)
    await server.wait_for_line('"msg":"shutting down')
    await worker.send(3)
    processed = await worker.processed(3)
    assert [p["status"] for p in processed] == ["success"] * 3
    error = await worker.next("error", fragment_id="frag-3")
    assert error["code"] == "STREAM_ENDING" and error["retryable"] is True
    await worker.disconnected.wait()
    assert await server.wait_exit() == 0


async def test_shutdown_deadline_fails_what_is_still_pending(start_server):
    server = start_server(SHUTDOWN_TIMEOUT_MS=500)
    worker = await Worker(server).connect()
    await worker.init(timeout_ms=30000)
    await worker.send(0, fault={"hang": True})
    await worker.next("fragment:ack")
    server.signal(signal.SIGTERM)
    processed = await worker.next("fragment:processed")
    assert processed["status"] == "failed"
    assert processed["error"]["code"] == "TIMEOUT" and processed["error"]["retryable"] is True
    await worker.disconnected.wait()
    assert await server.wait_exit() == 0
