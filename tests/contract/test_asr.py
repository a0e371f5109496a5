"""The "dub" pipeline's ASR through the real server (docs/protocol.md §3 "Silence / no speech",
assets): voice activity detection keeps silence, noise and music away from ASR, MT
and TTS; speech comes back transcribed with stream-absolute segment times."""
import base64
import os
import subprocess

import pytest

from wire_audio import describe
from worker import DATA_DIR, Worker, program_fragment, program_manifest

ASR_ENV = {"STS_PIPELINE": "dub", "ASR_ENGINE": "pocketsphinx"}


def edge(name):
    with open(os.path.join(DATA_DIR, "edge", name), "rb") as f:
        return f.read()


async def transcribe(worker, seq, audio, fmt, duration_ms, metadata=None):
    payload = worker.fragment(seq, audio=audio, fmt=fmt, duration_ms=duration_ms)
    if metadata is not None:
        payload["metadata"] = metadata
    await worker.emit("fragment:data", payload)
    return await worker.next("fragment:processed", sequence_number=seq)


@pytest.mark.parametrize("name", ["silence_6s.wav", "noise_pink_6s.wav", "tones_6s.wav",
                                  "silence_6s.m4a", "noise_pink_6s.m4a", "tones_6s.m4a"])
async def test_no_speech_skips_asr_translation_and_tts_and_returns_silence(start_server, name):
    server = start_server(**ASR_ENV)
    fmt = "wav" if name.endswith(".wav") else "m4a"
    worker = await Worker(server).connect()
    await worker.init(config={**_config(fmt)})
    processed = await transcribe(worker, 0, edge(name), fmt, 6000)
    assert processed["status"] == "success", processed.get("error")
    assert processed["transcript"] == ""
    assert processed["assets"]["transcript"]["segments"] == []
    timings = processed["stage_timings"]
    assert timings["translation_ms"] == 0 and timings["tts_ms"] == 0, timings
    dubbed = processed["dubbed_audio"]
    assert dubbed["duration_ms"] == 6000
    pcm = base64.b64decode(dubbed["data_base64"])
    if fmt == "wav":
        assert describe("wav", pcm, 48000, 2)[:2] == (48000, 2)
        assert set(pcm[44:]) == {0}, "no-speech dub must be silence"


async def test_fallback_original_returns_the_input_for_no_speech(start_server):
    server = start_server(FALLBACK_MODE="original", **ASR_ENV)
    worker = await Worker(server).connect()
    await worker.init(config=_config("wav"))
    tones = edge("tones_6s.wav")
    processed = await transcribe(worker, 0, tones, "wav", 6000)
    assert processed["status"] == "success", processed.get("error")
    assert processed["transcript"] == ""
    assert base64.b64decode(processed["dubbed_audio"]["data_base64"])[44:] == tones[44:]


async def test_speech_is_transcribed_with_stream_absolute_segments(start_server):
    server = start_server(**ASR_ENV)
    worker = await Worker(server).connect()
    ready = await worker.init(config=_config("wav"))
    assert ready["capabilities"]["pipeline"] == "dub"
    assert ready["capabilities"]["engines"]["asr"] == {
        "engine": "pocketsphinx", "model": "pocketsphinx-en-us", "languages": ["en"]}
    translation = ready["capabilities"]["engines"]["translation"]
    assert (translation["engine"], translation["model"]) == ("apertium", "apertium")
    assert "en-es" in translation["pairs"] and "es-en" in translation["pairs"]
    assert ready["capabilities"]["language_pairs"] == [{"source": "en", "target": "es"}]
    manifest = program_manifest()["fragments"]
    # Fragment 7 holds "go forward ten meters" (cmu_goforward), heard without error by
    # the baseline; it is sent as sequence 7 so its timeline offset is 7 x 6000 ms.
    processed = await transcribe(worker, 7, program_fragment(7, "wav"), "wav", manifest[7]["duration_ms"])
    assert processed["status"] == "success", processed.get("error")
    assert "go forward ten meters" in processed["transcript"]
    segments = processed["assets"]["transcript"]["segments"]
    assert segments and " ".join(s["text"] for s in segments) == processed["transcript"]
    for segment in segments:
        assert 42000 <= segment["start_ms"] < segment["end_ms"] <= 48000, segment
        assert 0 <= segment["confidence"] <= 1
    assert processed["metadata"]["asr_model"] == "pocketsphinx-en-us"
    assert processed["stage_timings"]["asr_ms"] > 0


async def test_metadata_pts_places_segments_on_the_clients_timeline(start_server):
    server = start_server(**ASR_ENV)
    worker = await Worker(server).connect()
    await worker.init(config=_config("wav"))
    processed = await transcribe(worker, 0, edge("speech_1s.wav"), "wav", 1000,
                                 metadata={"pts_ns": 90_000_000_000})
    segments = processed["assets"]["transcript"]["segments"]
    assert processed["transcript"], processed
    assert all(90000 <= s["start_ms"] < s["end_ms"] <= 91000 for s in segments), segments


async def test_domain_hints_from_stream_init_bias_recognition(start_server):
    server = start_server(**ASR_ENV)
    with open(os.path.join(DATA_DIR, "speech", "en", "astwb_vm-invalid-password.wav"), "rb") as f:
        prompt = f.read()  # 16 kHz mono: a WAV says so itself, the declaration is overruled
    transcripts = {}
    for hints in ([], ["telephony"]):
        worker = await Worker(server, stream_id=f"hints-{len(hints)}").connect()
        await worker.init(config={**_config("wav"), "domain_hints": hints})
        processed = await transcribe(worker, 0, prompt, "wav", 5672)
        assert processed["status"] == "success", processed.get("error")
        transcripts[tuple(hints)] = processed["transcript"]
        await worker.close()
    assert "password" not in transcripts[()]
    assert transcripts[("telephony",)] == (
        "that password does not meet the minimum requirements for this mailbox please try again")


async def test_a_language_the_engine_cannot_hear_is_refused_at_init(start_server):
    server = start_server(**ASR_ENV)
    worker = await Worker(server).connect()
    await worker.init(expect_ready=False, config={**_config("wav"), "source_language": "fr"})
    error = await worker.next("error")
    assert error["code"] == "UNSUPPORTED_LANGUAGE_PAIR"


@pytest.mark.parametrize("engine, model", [("pocketsphinx", "no-such-folder"), ("whisper", "no-such-model.bin"),
                                           ("whisper", "corrupt.bin")])
def test_a_model_that_does_not_load_fails_start_up_naming_the_path(tmp_path, engine, model):
    binary = os.environ.get("STS_CONTRACT_SERVER")
    if not binary:
        pytest.skip("set STS_CONTRACT_SERVER")
    engines = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    if engine not in engines:
        pytest.skip(f"this build has no {engine} engine")
    path = tmp_path / model
    if model == "corrupt.bin":
        path.write_bytes(b"lmgg" + bytes(range(256)) * 16)
    env = {**os.environ, **ASR_ENV, "ASR_ENGINE": engine, "ASR_MODEL_PATH": str(path)}
    done = subprocess.run([binary, "--port", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "MODEL_LOAD_FAILED" in done.stderr and str(path) in done.stderr, done.stderr


def _config(fmt):
    from worker import stream_config
    return stream_config(format=fmt)

