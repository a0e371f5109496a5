"""Audio on the wire (docs/protocol.md §2 "What the production worker really sends", §3
fragment:processed): every format in, the stream's format, rate, channels and
duration out, through the echo pipeline's real decode and encode."""
import base64
import os

import pytest

from wire_audio import describe
from worker import DATA_DIR, Worker, program_fragment, program_manifest, stream_config

FORMATS = {"s16": "pcm_s16le", "f32": "pcm_f32le", "wav": "wav", "m4a": "m4a", "aac": "m4a"}
# AAC comes in 1024-frame packets: within one of them (21 ms at 48 kHz).
TOLERANCE_MS = {"pcm_s16le": 0, "pcm_f32le": 0, "wav": 0, "m4a": 22}


async def echo(server, fmt, audio, duration_ms, rate=48000, channels=2):
    worker = await Worker(server).connect()
    await worker.init(config=stream_config(format=fmt))
    await worker.send(0, fmt=fmt, audio=audio, duration_ms=duration_ms, rate=rate, channels=channels)
    return await worker.next("fragment:processed")


@pytest.mark.parametrize("ext", ["s16", "f32", "wav", "m4a", "aac"])
async def test_each_format_comes_back_in_the_streams_format_rate_channels_and_length(server, ext):
    fmt = FORMATS[ext]
    duration = program_manifest()["fragments"][4]["duration_ms"]
    processed = await echo(server, fmt, program_fragment(4, ext), duration)
    assert processed["status"] == "success", processed.get("error")
    dubbed = processed["dubbed_audio"]
    assert (dubbed["format"], dubbed["sample_rate_hz"], dubbed["channels"]) == (fmt, 48000, 2)
    assert dubbed["duration_ms"] == duration
    rate, channels, shown_ms = describe(fmt, base64.b64decode(dubbed["data_base64"]), 48000, 2)
    assert (rate, channels) == (48000, 2)
    assert abs(shown_ms - duration) <= TOLERANCE_MS[fmt], shown_ms
    assert processed["metadata"]["original_duration_ms"] == duration


async def test_production_worker_adts_labelled_m4a_gets_an_mp4_back(server):
    processed = await echo(server, "m4a", program_fragment(0, "aac"), 6000)
    assert processed["status"] == "success", processed.get("error")
    dubbed = base64.b64decode(processed["dubbed_audio"]["data_base64"])
    assert dubbed[4:12] == b"ftypM4A "
    assert describe("m4a", dubbed, 48000, 2)[:2] == (48000, 2)


async def test_a_payload_that_contradicts_its_declaration_is_decoded_by_its_real_rate(server):
    with open(os.path.join(DATA_DIR, "bad", "rate_mismatch_44100_mono.m4a"), "rb") as f:
        audio = f.read()
    processed = await echo(server, "m4a", audio, 6000)
    assert processed["status"] == "success", processed.get("error")
    dubbed = processed["dubbed_audio"]
    assert (dubbed["sample_rate_hz"], dubbed["channels"]) == (48000, 2)
    rate, channels, shown_ms = describe("m4a", base64.b64decode(dubbed["data_base64"]), 48000, 2)
    assert (rate, channels) == (48000, 2)
    assert abs(shown_ms - 6000) <= TOLERANCE_MS["m4a"]


async def test_an_mp4_cut_before_its_moov_box_is_refused_before_the_ack(server):
    with open(os.path.join(DATA_DIR, "bad", "truncated_30pct.m4a"), "rb") as f:
        audio = f.read()
    worker = await Worker(server).connect()
    await worker.init(config=stream_config(format="m4a"))
    await worker.send(0, fmt="m4a", audio=audio, duration_ms=6000)
    error = await worker.next("error")
    assert error["code"] == "INVALID_FRAGMENT" and "moov" in error["message"], error
    assert error["fragment_id"] == "frag-0"
    await worker.send(1, fmt="m4a", audio=program_fragment(0, "m4a"), duration_ms=6000)
    assert (await worker.next("fragment:processed", fragment_id="frag-1"))["status"] == "success"
    acked = [d["fragment_id"] for e, d in worker.events if e == "fragment:ack"]
    assert "frag-0" not in acked, acked


@pytest.mark.parametrize("name, fmt", [
    ("zero_bytes.m4a", "m4a"), ("zero_bytes.wav", "wav"), ("random_bytes.m4a", "m4a"),
    ("truncated_30pct.m4a", "m4a"), ("truncated_30pct_faststart.m4a", "m4a"),
    ("corrupt_fmt.wav", "wav"), ("corrupt_magic.wav", "wav"), ("odd_length.s16", "pcm_s16le"),
    ("wav_named.m4a", "m4a"), ("text_named.wav", "wav")])
async def test_every_malformed_file_is_refused_and_the_stream_goes_on(server, name, fmt):
    with open(os.path.join(DATA_DIR, "bad", name), "rb") as f:
        audio = f.read()
    worker = await Worker(server).connect()
    await worker.init(config=stream_config(format=fmt))
    await worker.send(0, fmt=fmt, audio=audio, duration_ms=1000)
    # Refused before the ack when a cheap look shows it, else failed in decode.
    def answer(events):
        return next(((e, d) for e, d in events
                     if e in ("error", "fragment:processed") and d.get("fragment_id") == "frag-0"), None)
    event, data = await worker.wait_for(answer, "frag-0 refused or failed")
    if event == "error":
        assert data["code"] == "INVALID_FRAGMENT" and data["message"]
    else:
        assert data["status"] == "failed"
        assert data["error"]["code"] in ("INVALID_FRAGMENT", "INVALID_AUDIO") and data["error"]["message"]
    good = {"m4a": "m4a", "wav": "wav", "pcm_s16le": "s16"}[fmt]
    await worker.send(1, fmt=fmt, audio=program_fragment(0, good), duration_ms=6000)
    assert (await worker.next("fragment:processed", fragment_id="frag-1"))["status"] == "success"
