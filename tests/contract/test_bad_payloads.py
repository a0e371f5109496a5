"""Bad input gets the documented error event; the connection and the server keep
working (docs/protocol.md §3 error; our codes INVALID_MESSAGE and UNKNOWN_EVENT)."""

import pytest

from worker import Worker

HUGE = "x" * (2 * 1024 * 1024)


async def still_works(worker, seq=0):
    await worker.send(seq)
    processed = await worker.next("fragment:processed", fragment_id=f"frag-{seq}")
    assert processed["status"] == "success"


@pytest.mark.parametrize("payload", ["text", 5, None, [1, 2], True])
async def test_non_object_fragment_is_invalid_fragment(server, payload):
    worker = await Worker(server).connect()
    await worker.init()
    await worker.emit("fragment:data", payload)
    error = await worker.next("error")
    assert error["code"] == "INVALID_FRAGMENT"
    await still_works(worker)


@pytest.mark.parametrize("event", ["stream:pause", "stream:resume", "stream:end", "fragment:ack"])
@pytest.mark.parametrize("payload", ["text", 7, [1]])
async def test_non_object_control_payload_is_invalid_message(server, event, payload):
    worker = await Worker(server).connect()
    await worker.init()
    await worker.emit(event, payload)
    error = await worker.next("error")
    assert error["code"] == "INVALID_MESSAGE"
    assert event in error["message"]
    await still_works(worker)


@pytest.mark.parametrize("field,value", [
    ("sequence_number", "1"), ("sequence_number", 1.5), ("timestamp", "now"),
    ("fragment_id", 17), ("audio", "pcm"), ("metadata", "x"),
    ("audio.channels", "2"), ("audio.sample_rate_hz", None), ("audio.duration_ms", -5),
    ("audio.format", "ogg"), ("audio.data_base64", 12345),
])
async def test_wrong_types_in_a_fragment_name_the_field(server, field, value):
    worker = await Worker(server).connect()
    await worker.init()
    payload = worker.fragment(0)
    target, key = (payload["audio"], field.split(".")[1]) if "." in field else (payload, field)
    target[key] = value
    await worker.emit("fragment:data", payload)
    error = await worker.next("error")
    assert error["code"] == "INVALID_FRAGMENT"
    assert field in error["message"]
    await still_works(worker, 1)


async def test_huge_strings_are_refused_not_echoed(server):
    worker = await Worker(server).connect()
    await worker.emit("stream:init", {"stream_id": HUGE, "worker_id": HUGE, "config": {}})
    error = await worker.next("error")
    assert error["code"] == "INVALID_CONFIG" and error["metadata"]["field"] == "stream_id"
    assert len(error["message"]) < 1000
    await worker.init()
    payload = worker.fragment(0)
    payload["fragment_id"] = HUGE
    await worker.emit("fragment:data", payload)
    await worker.wait_for(lambda ev: len(worker.of("error")) == 2, "second error")
    error = worker.of("error")[1]
    assert error["code"] == "INVALID_FRAGMENT" and "fragment_id" not in error
    await still_works(worker, 1)


async def test_invalid_base64_is_invalid_fragment(server):
    worker = await Worker(server).connect()
    await worker.init()
    payload = worker.fragment(0)
    payload["audio"]["data_base64"] = payload["audio"]["data_base64"][:-3] + "%%%"
    await worker.emit("fragment:data", payload)
    assert (await worker.next("error", fragment_id="frag-0"))["code"] == "INVALID_FRAGMENT"
    await still_works(worker, 1)


@pytest.mark.parametrize("event", ["stream:start", "fragment", "hello"])
async def test_unknown_events_are_answered_unknown_event(server, event):
    worker = await Worker(server).connect()
    await worker.emit(event, {"stream_id": "stream-1"})
    error = await worker.next("error")
    assert error["code"] == "UNKNOWN_EVENT" and error["severity"] == "warning"
    assert event in error["message"]
    await worker.init()
    await still_works(worker)


@pytest.mark.parametrize("event", ["fragment:data", "stream:pause", "stream:resume", "stream:end"])
async def test_events_before_init_are_stream_not_found(server, event):
    worker = await Worker(server).connect()
    payload = worker.fragment(0) if event == "fragment:data" else {"stream_id": "stream-1"}
    await worker.emit(event, payload)
    error = await worker.next("error")
    assert error["code"] == "STREAM_NOT_FOUND"
    await worker.init()
    await still_works(worker)


async def test_a_bad_client_does_not_disturb_another(server):
    good = await Worker(server, stream_id="good").connect()
    await good.init()
    bad = await Worker(server, stream_id="bad").connect()
    for payload in ["x", 1, None, {"stream_id": 5}]:
        await bad.emit("stream:init", payload)
        await bad.emit("fragment:data", payload)
    await bad.wait_for(lambda ev: len(bad.of("error")) == 8, "eight errors")
    await good.send(0)
    await good.next("fragment:processed")
