"""Translation in the "dub" pipeline through the real server (docs/protocol.md §3-4):
apertium by default, DeepL against a local double that speaks DeepL's API, every
DeepL failure mapped to its code and retry flag in fragment:processed, and an
apertium pipeline killed in the middle of a request."""
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from worker import DATA_DIR, Worker, stream_config

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(HERE, "..", "doubles", "deepl_double.py")
DEEPL_KEY = "contract-key"
DUB_ENV = {"STS_PIPELINE": "dub", "ASR_ENGINE": "pocketsphinx"}


def edge(name):
    with open(os.path.join(DATA_DIR, "edge", name), "rb") as f:
        return f.read()


SPEECH = edge("speech_1s.wav")   # "thank you"
SILENCE = edge("silence_6s.wav")


class Double:
    def __init__(self, script=DOUBLE, *args):
        self.proc = subprocess.Popen([sys.executable, script, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"listening on port (\d+)", line)
        assert match, f"double did not start: {line!r}"
        self.url = f"http://127.0.0.1:{match.group(1)}"

    def call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def script(self, **answer):
        self.call("/_control", answer)

    def stats(self):
        return self.call("/_stats")

    def stop(self):
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def deepl():
    double = Double(DOUBLE, "--auth-key", DEEPL_KEY)
    yield double
    double.stop()


def deepl_server(start_server, double, **env):
    return start_server(TRANSLATION_ENGINE="deepl", DEEPL_API_KEY=DEEPL_KEY, DEEPL_API_URL=double.url,
                        **DUB_ENV, **env)


async def dub(worker, seq, audio=SPEECH, duration_ms=1000):
    payload = worker.fragment(seq, audio=audio, fmt="wav", duration_ms=duration_ms)
    await worker.emit("fragment:data", payload)
    return await worker.next("fragment:processed", sequence_number=seq)


async def open_stream(server, stream_id="stream-1"):
    worker = await Worker(server, stream_id=stream_id).connect()
    await worker.init(config=stream_config(format="wav"))
    return worker


async def test_apertium_translates_the_transcript(start_server):
    server = start_server(**DUB_ENV)
    worker = await open_stream(server)
    processed = await dub(worker, 0)
    assert processed["status"] == "success", processed.get("error")
    assert processed["transcript"] == "thank you"
    assert processed["translated_text"] == "gracias"
    assert processed["metadata"]["translation_model"] == "apertium"
    assets = processed["assets"]
    assert assets["translation"]["parent_asset_ids"] == [assets["transcript"]["asset_id"]]


async def test_deepl_translates_and_reuses_its_connection(start_server, deepl):
    server = deepl_server(start_server, deepl)
    worker = await open_stream(server)
    for seq in range(4):
        processed = await dub(worker, seq)
        assert processed["status"] == "success", processed.get("error")
        assert processed["translated_text"] == "gracias tú"  # the double's word-for-word Spanish
        assert processed["metadata"]["translation_model"] == "deepl"
    assert deepl.stats() == {"connections": 1, "requests": 4}


async def test_no_speech_makes_no_translation_call(start_server, deepl):
    server = deepl_server(start_server, deepl)
    worker = await open_stream(server)
    processed = await dub(worker, 0, audio=SILENCE, duration_ms=6000)
    assert processed["status"] == "success", processed.get("error")
    assert processed["transcript"] == "" and processed.get("translated_text", "") == ""
    assert deepl.stats()["requests"] == 0


async def test_a_transcript_translated_into_nothing_is_dubbed_as_no_speech(start_server, deepl):
    server = deepl_server(start_server, deepl)
    worker = await open_stream(server)
    deepl.script(body=json.dumps({"translations": [{"detected_source_language": "EN", "text": ""}]}))
    processed = await dub(worker, 0)
    assert processed["status"] == "success", processed.get("error")
    assert processed["transcript"] and processed["translated_text"] == ""
    assert processed["dubbed_audio"]["duration_ms"] == processed["metadata"]["original_duration_ms"]
    assert processed["stage_timings"]["tts_ms"] == 0  # never asked to say nothing


@pytest.mark.parametrize("answer, code, retryable", [
    ({"status": 429}, "RATE_LIMIT_EXCEEDED", True),
    ({"status": 456}, "QUOTA_EXCEEDED", False),
    ({"status": 403}, "AUTH_FAILED", False),
    ({"status": 500}, "TRANSLATION_API_UNAVAILABLE", True),
    ({"status": 503}, "TRANSLATION_API_UNAVAILABLE", True),
    ({"status": 400, "message": "Value for 'target_lang' not supported."}, "TRANSLATION_REJECTED", False),
    ({"body": "<html>bad gateway</html>", "content_type": "text/html"}, "TRANSLATION_API_UNAVAILABLE", True),
    ({"close": True}, "TRANSLATION_API_UNAVAILABLE", True),
    ({"delay_ms": 3000}, "TIMEOUT", True),
])
async def test_each_deepl_failure_has_its_code_and_retry_flag(start_server, deepl, answer, code, retryable):
    # Without the server's own retry, which would hide the mapping (test_faults.py has it).
    server = deepl_server(start_server, deepl, TRANSLATION_TIMEOUT_MS=500, STS_STAGE_RETRIES=0)
    worker = await open_stream(server)
    deepl.script(**answer)
    failed = await dub(worker, 0)
    assert failed["status"] == "failed"
    assert failed["error"]["stage"] == "translation"
    assert (failed["error"]["code"], failed["error"]["retryable"]) == (code, retryable), failed["error"]
    assert DEEPL_KEY not in json.dumps(failed)
    # The script is spent: the worker's retry of the same fragment succeeds.
    retried = await dub(worker, 1)
    assert retried["status"] == "success", retried.get("error")


async def test_deepl_unreachable_is_retryable(start_server, deepl):
    port = deepl.url.rsplit(":", 1)[1]
    deepl.stop()  # nothing listens on its port any more
    server = start_server(TRANSLATION_ENGINE="deepl", DEEPL_API_KEY=DEEPL_KEY,
                          DEEPL_API_URL=f"http://127.0.0.1:{port}", **DUB_ENV)
    worker = await open_stream(server)
    failed = await dub(worker, 0)
    assert failed["error"]["stage"] == "translation"
    assert (failed["error"]["code"], failed["error"]["retryable"]) == ("TRANSLATION_API_UNAVAILABLE", True)


def test_deepl_without_a_key_fails_start_up_naming_the_variable():
    binary = os.environ.get("STS_CONTRACT_SERVER")
    if not binary:
        pytest.skip("set STS_CONTRACT_SERVER")
    env = {**os.environ, **DUB_ENV, "TRANSLATION_ENGINE": "deepl"}
    env.pop("DEEPL_API_KEY", None)
    done = subprocess.run([binary, "--port", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "DEEPL_API_KEY" in done.stderr, done.stderr


async def kill_apertium_mid_request(server):
    """Opens a stream on `server` (started with COMPUTE_THREADS=1 and LOG_LEVEL=debug) and
    kills its one apertium pipeline while it translates fragment 0; returns the worker."""
    group = json.loads(await server.wait_for_line("apertium pipeline started"))["process_group"]
    worker = await open_stream(server)
    # Frozen, the pipeline takes the request but cannot answer: the request is in
    # flight when the server logs that it is translating, and then the pipeline dies.
    os.killpg(group, signal.SIGSTOP)
    await worker.emit("fragment:data", worker.fragment(0, audio=SPEECH, fmt="wav", duration_ms=1000))
    await server.wait_for_line("apertium translating")
    os.killpg(group, signal.SIGKILL)
    return worker


async def test_killing_apertium_mid_request_fails_that_fragment_retryably_and_the_next_succeeds(start_server):
    # Without the server's own retry, which rescues the fragment (test_faults.py has it).
    server = start_server(COMPUTE_THREADS=1, LOG_LEVEL="debug", STS_STAGE_RETRIES=0, **DUB_ENV)
    worker = await kill_apertium_mid_request(server)
    failed = await worker.next("fragment:processed", sequence_number=0)
    assert failed["status"] == "failed"
    assert failed["error"]["stage"] == "translation"
    assert (failed["error"]["code"], failed["error"]["retryable"]) == ("TRANSLATION_API_UNAVAILABLE", True)
    recovered = await dub(worker, 1)
    assert recovered["status"] == "success", recovered.get("error")
    assert recovered["translated_text"] == "gracias"
