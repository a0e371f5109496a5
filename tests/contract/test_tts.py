"""The http TTS engine (a Coqui TTS / XTTS v2 server) in the dub pipeline through the
real server, against a local double of that server: its speech becomes the dub,
its failures arrive in fragment:processed with stage tts."""
import base64
import os
import subprocess

import pytest

from test_translation import DUB_ENV, SPEECH, Double, dub, open_stream

TTS_DOUBLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "doubles", "tts_double.py")


@pytest.fixture
def xtts():
    double = Double(TTS_DOUBLE)
    yield double
    double.stop()


def http_server(start_server, double, **env):
    return start_server(TTS_ENGINE="http", TTS_URL=double.url, **DUB_ENV, **env)


async def test_the_xtts_servers_speech_becomes_the_dub(start_server, xtts):
    server = http_server(start_server, xtts)
    worker = await open_stream(server)
    processed = await dub(worker, 0)
    assert processed["status"] in ("success", "partial"), processed.get("error")
    assert processed["metadata"]["tts_model"] == "xtts"
    assert processed["dubbed_audio"]["duration_ms"] == processed["metadata"]["original_duration_ms"]
    assert any(base64.b64decode(processed["dubbed_audio"]["data_base64"])[44:])
    last = xtts.call("/_last")["params"]
    assert last["text"] == processed["translated_text"] and last["language_id"] == "es"


@pytest.mark.parametrize("answer, code, retryable", [
    ({"status": 500}, "SYNTHESIS_FAILED", False),
    ({"body": "not a wav", "content_type": "audio/wav"}, "SYNTHESIS_FAILED", False),
    ({"delay_ms": 3000}, "TIMEOUT", True),
])
async def test_xtts_failures_arrive_with_stage_tts(start_server, xtts, answer, code, retryable):
    # Without the server's own retry, which would hide the mapping (test_faults.py has it).
    server = http_server(start_server, xtts, TTS_TIMEOUT_MS=500, STS_STAGE_RETRIES=0)
    worker = await open_stream(server)
    xtts.script(**answer)
    failed = await dub(worker, 0)
    assert failed["status"] == "failed"
    assert (failed["error"]["stage"], failed["error"]["code"], failed["error"]["retryable"]) == ("tts", code, retryable)


@pytest.mark.parametrize("catalogue, named", [
    ('{"voices": {"narrator": {"engine": "espeak"}}}', "narrator"),
    ('{"voices": {"a": {"engine": "espeak", "language": "es"}}, "default_voice_per_language": {"es": "ghost"}}',
     "ghost"),
    ('{"voices": {', "not valid JSON"),
])
def test_a_broken_catalogue_fails_start_up_naming_the_file_and_the_entry(tmp_path, catalogue, named):
    binary = os.environ.get("STS_CONTRACT_SERVER")
    if not binary:
        pytest.skip("set STS_CONTRACT_SERVER")
    path = tmp_path / "voices.json"
    path.write_text(catalogue)
    env = {**os.environ, "STS_PIPELINE": "echo", "VOICE_PROFILES_PATH": str(path)}
    done = subprocess.run([binary, "--port", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert str(path) in done.stderr and named in done.stderr, done.stderr
