"""The full offline pipeline through the real server (the default sts-server):
pocketsphinx -> apertium -> espeak-ng -> rubberband, the 63 s test programme
streamed fragment by fragment in every wire format by a python-socketio worker."""
import array
import base64
import math
import statistics

import pytest

from wire_audio import describe
from worker import Worker, program_fragment, program_manifest, stream_config

FORMATS = [("s16", "pcm_s16le"), ("f32", "pcm_f32le"), ("wav", "wav"), ("m4a", "m4a")]
TOLERANCE_MS = {"pcm_s16le": 0, "pcm_f32le": 0, "wav": 0, "m4a": 22}  # one AAC packet


def rms_dbfs(fmt, data):
    if fmt == "pcm_f32le":
        samples = array.array("f", data)
    else:
        samples = array.array("h", data[44:] if fmt == "wav" else data)
        samples = [s / 32768 for s in samples]
    energy = sum(s * s for s in samples) / max(len(samples), 1)
    return 10 * math.log10(energy + 1e-12)


@pytest.mark.parametrize("ext, fmt", FORMATS)
async def test_the_programme_comes_back_dubbed_in_order_in_the_streams_format(start_server, ext, fmt):
    server = start_server(STS_PIPELINE="dub", FRAGMENT_TIMEOUT_MS=30000)
    fragments = program_manifest()["fragments"]
    worker = await Worker(server, stream_id=f"programme-{ext}").connect()
    ready = await worker.init(config=stream_config(format=fmt), timeout_ms=30000)
    assert ready["capabilities"]["engines"]["tts"] == {"engine": "espeak", "model": "espeak-ng"}
    for fragment in fragments:
        index = fragment["index"]
        await worker.send(index, fmt=fmt, audio=program_fragment(index, ext), duration_ms=fragment["duration_ms"])
        # Pace like a worker with max_inflight 3, so no backpressure rejection interferes.
        if index >= 2:
            await worker.next("fragment:processed", sequence_number=index - 2)
    processed = await worker.processed(len(fragments))
    await worker.emit("stream:end", {"stream_id": worker.stream_id})
    complete = await worker.next("stream:complete")

    assert [p["sequence_number"] for p in processed] == [f["index"] for f in fragments]
    for fragment, result in zip(fragments, processed):
        where = f"fragment {fragment['index']}"
        assert result["status"] in ("success", "partial"), (where, result.get("error"))
        assert result["transcript"] and result["translated_text"], where
        assert result["translated_text"] != result["transcript"], where
        assert result["metadata"]["tts_model"] == "espeak-ng" and result["metadata"]["tts_rate_wpm"] > 0, where
        dubbed = result["dubbed_audio"]
        assert (dubbed["format"], dubbed["sample_rate_hz"], dubbed["channels"]) == (fmt, 48000, 2), where
        # The manifest rounds; the last fragment is 160404 frames, 3341.75 ms.
        assert dubbed["duration_ms"] == result["metadata"]["original_duration_ms"], where
        assert abs(dubbed["duration_ms"] - fragment["duration_ms"]) <= 1 + TOLERANCE_MS[fmt], where
        data = base64.b64decode(dubbed["data_base64"])
        rate, channels, shown_ms = describe(fmt, data, 48000, 2)
        assert (rate, channels) == (48000, 2), where
        assert abs(shown_ms - dubbed["duration_ms"]) <= TOLERANCE_MS[fmt], (where, shown_ms)
        if fmt != "m4a":  # the worker has no AAC decoder here; the other formats show the samples
            assert rms_dbfs(fmt, data) > -45, (where, "dubbed speech is silent")

    counts = {s: sum(p["status"] == s for p in processed) for s in ("success", "partial", "failed")}
    times = [p["processing_time_ms"] for p in processed]
    for where in (complete, complete["statistics"]):
        assert (where["success_count"], where["partial_count"], where["failed_count"]) == (
            counts["success"], counts["partial"], counts["failed"])
        assert where["avg_processing_time_ms"] == pytest.approx(statistics.mean(times), abs=1)
    assert complete["total_fragments"] == len(fragments)
    assert complete["total_duration_ms"] == sum(p["metadata"]["original_duration_ms"] for p in processed)
