"""fragment:data (docs/protocol.md §2) and fragment:processed (§3): the immediate ack,
exactly one processed per fragment, in sequence order, every rejection code with
its fragment_id, deadlines and idempotent retry."""

import base64

import pytest

from worker import SHORT_MS, SHORT_PCM, Worker, program_fragment, program_manifest, stream_config


async def ready_worker(server, **init):
    worker = await Worker(server).connect()
    await worker.init(**init)
    return worker


async def test_ack_comes_before_processed_with_queue_fields(server):
    worker = await ready_worker(server)
    await worker.send(0)
    processed = await worker.next("fragment:processed", fragment_id="frag-0")
    names = [e for e, d in worker.events if d.get("fragment_id") == "frag-0"]
    assert names == ["fragment:ack", "fragment:processed"]
    ack = worker.of("fragment:ack")[0]
    assert ack["status"] == "queued"
    assert isinstance(ack["queue_position"], int) and ack["queue_position"] >= 0
    assert isinstance(ack["estimated_completion_ms"], int)
    assert isinstance(ack["timestamp"], int) and ack["timestamp"] > 1_600_000_000_000
    assert processed["status"] == "success"


async def test_ack_queue_position_counts_the_fragments_waiting_ahead(server):
    # One compute slot, held by a hung fragment until its deadline: the next two wait.
    worker = await ready_worker(server, max_inflight=1, timeout_ms=1000)
    await worker.send(0, fault={"hang": True})
    await worker.send(1)
    await worker.send(2)
    await worker.processed(3)
    positions = {a["fragment_id"]: a["queue_position"] for a in worker.of("fragment:ack")}
    assert positions == {"frag-0": 0, "frag-1": 1, "frag-2": 2}


async def test_echo_returns_the_real_fragment_with_every_field(server):
    manifest = program_manifest()
    worker = await ready_worker(server)
    audio = program_fragment(3)
    duration = manifest["fragments"][3]["duration_ms"]
    await worker.send(0, audio=audio, duration_ms=duration)
    processed = await worker.next("fragment:processed")
    assert processed["stream_id"] == "stream-1" and processed["sequence_number"] == 0
    dubbed = processed["dubbed_audio"]
    assert (dubbed["format"], dubbed["sample_rate_hz"], dubbed["channels"]) == ("pcm_s16le", 48000, 2)
    assert dubbed["duration_ms"] == duration
    assert base64.b64decode(dubbed["data_base64"]) == audio
    assert processed["transcript"] == "" and processed["translated_text"] == ""
    assert isinstance(processed["processing_time_ms"], int)
    assert {"asr_ms", "translation_ms", "tts_ms"} <= set(processed["stage_timings"])
    meta = processed["metadata"]
    assert meta["original_duration_ms"] == duration and meta["dubbed_duration_ms"] == duration
    assert meta["duration_variance_percent"] == 0 and meta["speed_ratio"] == 1
    assert {"asr_model", "translation_model", "tts_model"} <= set(meta)
    assets = processed["assets"]
    assert assets["translation"]["parent_asset_ids"] == [assets["transcript"]["asset_id"]]
    assert assets["audio"]["parent_asset_ids"] == [assets["translation"]["asset_id"]]


async def test_client_pts_is_echoed_in_metadata(server):
    worker = await ready_worker(server)
    payload = worker.fragment(0)
    payload["metadata"] = {"pts_ns": 123456789, "source_pts_ns": 42, "camera": "A"}
    await worker.emit("fragment:data", payload)
    processed = await worker.next("fragment:processed")
    assert processed["metadata"]["pts_ns"] == 123456789
    assert processed["metadata"]["source_pts_ns"] == 42


async def test_delivers_in_sequence_when_a_later_fragment_finishes_first(server):
    worker = await ready_worker(server)
    await worker.send(0, fault={"delay_ms": 800})
    await worker.send(1)
    await worker.send(2, fault={"delay_ms": 300})
    processed = await worker.processed(3)
    assert [p["sequence_number"] for p in processed] == [0, 1, 2]
    # The slow fragment really was slow: the later ones had finished before it.
    assert processed[0]["stage_timings"]["asr_ms"] >= 800


async def test_gaps_in_sequence_numbers_do_not_stall_delivery(server):
    worker = await ready_worker(server)
    for seq in (0, 2, 5):
        await worker.send(seq)
    processed = await worker.processed(3)
    assert [p["sequence_number"] for p in processed] == [0, 2, 5]


async def test_a_hung_fragment_is_delivered_as_timeout_and_later_ones_still_flow(server):
    worker = await ready_worker(server, timeout_ms=1000)
    await worker.send(0)
    await worker.send(1, fault={"stage": "translation", "hang": True})
    await worker.send(2)
    await worker.send(3)
    processed = await worker.processed(4)
    assert [p["sequence_number"] for p in processed] == [0, 1, 2, 3]
    timed_out = processed[1]
    assert timed_out["status"] == "failed"
    assert timed_out["error"]["code"] == "TIMEOUT"
    assert timed_out["error"]["retryable"] is True
    assert timed_out["error"]["stage"] == "translation"
    assert "dubbed_audio" not in timed_out
    assert [p["status"] for p in processed] == ["success", "failed", "success", "success"]


@pytest.mark.parametrize("stage,code,retryable", [
    ("asr", "MODEL_ERROR", True),
    ("asr", "INVALID_AUDIO", False),
    ("translation", "TRANSLATION_API_UNAVAILABLE", True),
    ("translation", "RATE_LIMIT_EXCEEDED", True),
    ("translation", "QUOTA_EXCEEDED", False),
    ("translation", "AUTH_FAILED", False),
    ("tts", "SYNTHESIS_FAILED", False),
    ("tts", "INVALID_TEXT", False),
])
async def test_stage_failures_carry_stage_code_and_retryable(server, stage, code, retryable):
    worker = await ready_worker(server)
    await worker.send(0, fault={"stage": stage, "code": code})
    processed = await worker.next("fragment:processed")
    assert processed["status"] == "failed"
    assert processed["error"]["stage"] == stage
    assert processed["error"]["code"] == code
    assert processed["error"]["retryable"] is retryable
    assert processed["error"]["message"]


# ---- rejections -------------------------------------------------------------

async def expect_rejection(worker, fragment_id, code):
    error = await worker.next("error", fragment_id=fragment_id)
    assert error["code"] == code, error
    assert error["error_id"] and error["message"]
    assert error["severity"] in ("warning", "error")
    assert not worker.of("fragment:ack", fragment_id=fragment_id)
    return error


async def test_fragment_without_init_is_stream_not_found(server):
    worker = await Worker(server).connect()
    await worker.send(0)
    error = await expect_rejection(worker, "frag-0", "STREAM_NOT_FOUND")
    assert error["retryable"] is False


async def test_fragment_for_another_stream_is_stream_not_found(server):
    worker = await ready_worker(server)
    await worker.send(0, stream_id="someone-else")
    await expect_rejection(worker, "frag-0", "STREAM_NOT_FOUND")


async def test_fragment_while_paused_is_stream_paused(server):
    worker = await ready_worker(server)
    await worker.emit("stream:pause", {"stream_id": "stream-1", "reason": "ad break"})
    await worker.send(0)
    error = await expect_rejection(worker, "frag-0", "STREAM_PAUSED")
    assert error["retryable"] is True


async def test_fragment_after_end_is_stream_ending(server):
    worker = await ready_worker(server)
    await worker.send(0, fault={"delay_ms": 300})
    await worker.emit("stream:end", {"stream_id": "stream-1"})
    await worker.send(1)
    await expect_rejection(worker, "frag-1", "STREAM_ENDING")


async def test_oversized_fragment_is_fragment_too_large(start_server):
    server = start_server(MAX_FRAGMENT_BYTES=65536)
    worker = await ready_worker(server)
    await worker.send(0, audio=program_fragment(0)[:131072])
    await expect_rejection(worker, "frag-0", "FRAGMENT_TOO_LARGE")
    await worker.send(1)  # a fragment within the limit still goes through
    await worker.next("fragment:processed", fragment_id="frag-1")


@pytest.mark.parametrize("case", ["bad-base64", "odd-pcm-length", "empty-audio", "format-mismatch",
                                  "rate-mismatch", "wav-garbage", "m4a-garbage", "missing-audio",
                                  "negative-sequence"])
async def test_malformed_fragment_is_invalid_fragment(server, case):
    fmt = {"wav-garbage": "wav", "m4a-garbage": "m4a"}.get(case, "pcm_s16le")
    worker = await ready_worker(server, config=stream_config(format=fmt))
    payload = worker.fragment(0, fmt=fmt)
    audio = payload["audio"]
    if case == "bad-base64":
        audio["data_base64"] = "not*base64!"
    elif case == "odd-pcm-length":
        audio["data_base64"] = base64.b64encode(SHORT_PCM[:-1]).decode()
    elif case == "empty-audio":
        audio["data_base64"] = ""
    elif case == "format-mismatch":
        audio["format"] = "pcm_f32le"
    elif case == "rate-mismatch":
        audio["sample_rate_hz"] = 44100
    elif case in ("wav-garbage", "m4a-garbage"):
        audio["data_base64"] = base64.b64encode(b"\x00garbage" * 100).decode()
    elif case == "missing-audio":
        del payload["audio"]
    elif case == "negative-sequence":
        payload["sequence_number"] = -1
    await worker.emit("fragment:data", payload)
    error = await expect_rejection(worker, "frag-0", "INVALID_FRAGMENT")
    assert error["retryable"] is False
    await worker.send(1, fmt=fmt, audio=program_fragment(0, "wav") if fmt == "wav"
                      else program_fragment(0, "m4a") if fmt == "m4a" else SHORT_PCM)
    await worker.next("fragment:processed", fragment_id="frag-1")


@pytest.mark.parametrize("name", ["frag_000.s16", "frag_000.f32", "frag_000.wav", "frag_000.m4a", "frag_000.aac"])
async def test_each_wire_format_of_the_programme_is_accepted(server, name):
    fmt = {"s16": "pcm_s16le", "f32": "pcm_f32le", "wav": "wav", "m4a": "m4a", "aac": "m4a"}[name.split(".")[1]]
    worker = await ready_worker(server, config=stream_config(format=fmt))
    audio = program_fragment(0, name.split(".")[1])
    await worker.send(0, fmt=fmt, audio=audio, duration_ms=6000)
    processed = await worker.next("fragment:processed")
    assert processed["status"] == "success"
    assert processed["dubbed_audio"]["format"] == fmt


async def test_reusing_a_pending_sequence_number_is_invalid_sequence(server):
    worker = await ready_worker(server)
    await worker.send(0, fault={"delay_ms": 500})
    await worker.send(0, fragment_id="impostor")
    error = await expect_rejection(worker, "impostor", "INVALID_SEQUENCE")
    assert error["retryable"] is False
    processed = await worker.processed(1)
    assert processed[0]["fragment_id"] == "frag-0"


async def test_sequence_number_behind_a_delivered_one_is_invalid_sequence(server):
    worker = await ready_worker(server)
    await worker.send(5)
    await worker.next("fragment:processed", fragment_id="frag-5")
    await worker.send(3)
    await expect_rejection(worker, "frag-3", "INVALID_SEQUENCE")


# ---- idempotent retry -------------------------------------------------------

async def test_resend_while_pending_is_acked_again_and_processed_once(server):
    worker = await ready_worker(server)
    await worker.send(0, fault={"delay_ms": 500})
    await worker.send(0, fault={"delay_ms": 500})
    await worker.wait_for(lambda ev: len([1 for e, _ in ev if e == "fragment:ack"]) == 2, "two acks")
    await worker.send(1)
    processed = await worker.processed(2)
    await worker.emit("stream:end", {"stream_id": "stream-1"})
    complete = await worker.next("stream:complete")
    assert [p["fragment_id"] for p in worker.of("fragment:processed")] == ["frag-0", "frag-1"]
    assert complete["total_fragments"] == 2
    assert processed[0]["status"] == "success"


async def test_resend_after_success_resends_the_stored_result(server):
    worker = await ready_worker(server)
    await worker.send(0)
    first = await worker.next("fragment:processed")
    await worker.send(0)
    await worker.wait_for(lambda ev: len(worker.of("fragment:processed")) == 2, "stored result")
    second = worker.of("fragment:processed")[1]
    assert second == first
    assert len(worker.of("fragment:ack", fragment_id="frag-0")) == 2


async def test_resend_after_failure_is_processed_again(server):
    worker = await ready_worker(server)
    await worker.send(0, fault={"code": "MODEL_ERROR"})
    failed = await worker.next("fragment:processed")
    assert failed["status"] == "failed" and failed["error"]["retryable"] is True
    await worker.send(1)
    await worker.next("fragment:processed", fragment_id="frag-1")
    await worker.send(0)  # the worker's retry, now without the fault
    await worker.wait_for(lambda ev: len(worker.of("fragment:processed", fragment_id="frag-0")) == 2, "retry")
    retried = worker.of("fragment:processed", fragment_id="frag-0")[1]
    assert retried["status"] == "success"
    assert retried["sequence_number"] == 0
