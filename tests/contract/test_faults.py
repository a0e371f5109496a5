"""Faults survived with nothing lost: the server's own retry of a stage that failed
transiently (STS_STAGE_RETRIES), and faults made from outside the process with no hook
inside it: an apertium pipeline killed mid-stream, the TTS server stopped and started
again, DeepL answering 429, 500 and timeouts in bursts. Every fragment comes back, in
order: a success (after a server retry where one was needed) or a mapped failure."""
import asyncio
import json
import os
import signal
import subprocess

import pytest

from test_observability import sample, scrape
from test_translation import (DUB_ENV, Double, deepl, deepl_server, dub,  # noqa: F401 (deepl: a fixture)
                              kill_apertium_mid_request, open_stream)
from test_tts import TTS_DOUBLE
from worker import Worker

TRANSLATION_FAULTS = {"RATE_LIMIT_EXCEEDED", "TRANSLATION_API_UNAVAILABLE", "TIMEOUT"}


async def test_a_transient_failure_is_rescued_by_the_servers_own_retry(start_server):
    server = start_server()
    worker = await Worker(server).connect()
    await worker.init()
    await worker.send(0, fault={"stage": "translation", "code": "TRANSLATION_API_UNAVAILABLE", "times": 1})
    rescued = await worker.next("fragment:processed", sequence_number=0)
    assert rescued["status"] == "success", rescued.get("error")
    assert rescued["metadata"]["retries"] == 1
    logged = json.loads(await server.wait_for_line("stage retried after a transient failure"))
    assert (logged["stage"], logged["error_code"]) == ("translation", "TRANSLATION_API_UNAVAILABLE")
    families = await scrape(server)
    assert sample(families, "sts_stage_retries", "_total", stage="translation",
                  error_code="TRANSLATION_API_UNAVAILABLE") == 1


async def test_a_fault_that_outlasts_the_retries_fails_with_its_code_and_lasting_faults_are_not_retried(
        start_server):
    server = start_server(STS_STAGE_RETRIES=2)
    worker = await Worker(server).connect()
    await worker.init()
    await worker.send(0, fault={"stage": "asr", "code": "MODEL_ERROR", "times": 3})
    await worker.send(1, fault={"stage": "tts", "code": "SYNTHESIS_FAILED", "times": 1})
    outlasted, lasting = await worker.processed(2)
    assert (outlasted["status"], outlasted["error"]["code"], outlasted["error"]["retryable"]) == \
        ("failed", "MODEL_ERROR", True)
    assert outlasted["metadata"]["retries"] == 2
    assert (lasting["status"], lasting["error"]["code"]) == ("failed", "SYNTHESIS_FAILED")
    assert lasting["metadata"]["retries"] == 0


async def test_without_retries_configured_the_first_failure_is_the_answer(start_server):
    server = start_server(STS_STAGE_RETRIES=0)
    worker = await Worker(server).connect()
    await worker.init()
    await worker.send(0, fault={"stage": "translation", "code": "RATE_LIMIT_EXCEEDED", "times": 1})
    failed = await worker.next("fragment:processed", sequence_number=0)
    assert (failed["status"], failed["error"]["code"], failed["metadata"]["retries"]) == \
        ("failed", "RATE_LIMIT_EXCEEDED", 0)


async def test_no_retry_starts_when_the_backoff_would_pass_the_deadline(start_server):
    # The fault takes 700 of the fragment's 1000 ms; a 500 ms backoff cannot fit before
    # the deadline, so the server answers with the fault instead of retrying.
    server = start_server(STS_STAGE_RETRY_BACKOFF_MS=500)
    worker = await Worker(server).connect()
    await worker.init(timeout_ms=1000)
    await worker.send(0, fault={"stage": "asr", "code": "MODEL_ERROR", "delay_ms": 700, "times": 1})
    answer = await worker.next("fragment:processed", sequence_number=0)
    assert answer["status"] == "failed"
    assert answer["error"]["code"] in ("MODEL_ERROR", "TIMEOUT")  # TIMEOUT if the box was slower still
    assert answer.get("metadata", {}).get("retries", 0) == 0


async def stream_through_faults(worker, fragments):
    """Sends `fragments` one after another, each when the one before came back."""
    answers = []
    for seq in range(fragments):
        answers.append(await dub(worker, seq))
    return answers


async def test_deepl_bursts_of_429_500_and_timeouts_lose_nothing(start_server, deepl):
    server = deepl_server(start_server, deepl, TRANSLATION_TIMEOUT_MS=500, COMPUTE_THREADS=2)
    workers = [await open_stream(server, f"burst-{n}") for n in range(3)]
    for script in ({"status": 429, "times": 3}, {"status": 500, "times": 2}, {"delay_ms": 1500, "times": 2},
                   {"status": 503, "times": 2}, {"close": True, "times": 1}):
        deepl.script(**script)
    answers = await asyncio.gather(*(stream_through_faults(worker, 5) for worker in workers))

    rescued = 0
    for worker, stream_answers in zip(workers, answers):
        assert [a["sequence_number"] for a in stream_answers] == list(range(5))
        for answer in stream_answers:
            if answer["status"] == "failed":
                error = answer["error"]
                assert (error["stage"], error["retryable"]) == ("translation", True), error
                assert error["code"] in TRANSLATION_FAULTS, error
            else:
                assert answer["translated_text"], answer
                rescued += answer["metadata"]["retries"] > 0
        await worker.emit("stream:end", {"stream_id": worker.stream_id})
        complete = await worker.next("stream:complete")
        assert complete["total_fragments"] == 5
    assert rescued >= 1, "no fragment was rescued by a server retry"
    families = await scrape(server)
    assert sample(families, "sts_fragments_in_flight") == 0


async def test_the_tts_server_blipping_stopping_and_starting_again_loses_no_fragment(start_server):
    xtts = Double(TTS_DOUBLE)
    port = xtts.url.rsplit(":", 1)[1]
    try:
        server = start_server(TTS_ENGINE="http", TTS_URL=xtts.url, **DUB_ENV)
        worker = await open_stream(server)
        xtts.script(status=503, times=1)  # a proxy in front of it, restarting
        blip = await dub(worker, 0)
        assert blip["status"] in ("success", "partial"), blip.get("error")
        assert blip["metadata"]["retries"] == 1
        xtts.stop()
        down = await dub(worker, 1)
        assert (down["status"], down["error"]["stage"], down["error"]["code"]) == ("failed", "tts", "SYNTHESIS_FAILED")
        assert down["metadata"]["retries"] == 1  # the server tried again before answering
        xtts = Double(TTS_DOUBLE, "--port", port)
        back = await dub(worker, 2)
        assert back["status"] in ("success", "partial"), back.get("error")
    finally:
        xtts.stop()


async def test_an_apertium_pipeline_killed_mid_request_is_restarted_and_the_fragment_rescued(start_server):
    server = start_server(COMPUTE_THREADS=1, LOG_LEVEL="debug", **DUB_ENV)
    worker = await kill_apertium_mid_request(server)
    rescued = await worker.next("fragment:processed", sequence_number=0)
    assert rescued["status"] == "success", rescued.get("error")
    assert (rescued["translated_text"], rescued["metadata"]["retries"]) == ("gracias", 1)
    assert (await dub(worker, 1))["status"] == "success"


# PID 1 -----------------------------------------------------------------------------


def children(pid):
    """(pid, state) of each process whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append((int(entry), fields[0]))
    return found


def pid_namespaces_available():
    try:
        return subprocess.run(["unshare", "--user", "--map-root-user", "--pid", "--fork", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pipelines_of(server_pid, direction):
    """The apertium pipelines (process-group leaders) under the server for a direction
    such as "eng-spa"."""
    leaders = []
    for pid, _ in children(server_pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f"/{direction}.automorf.bin".encode() in f.read():
                    leaders.append(pid)
        except OSError:
            continue
    return leaders


@pytest.mark.skipif(not pid_namespaces_available(), reason="unprivileged user and PID namespaces are off here")
async def test_as_pid_1_the_server_leaves_no_zombie_after_a_pipeline_dies(start_server):
    # In a container without an init the server is PID 1: the children of a dead
    # apertium pipeline become its own, and only it can reap them.
    server = start_server(wrapper=["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc",
                                   "--kill-child"],
                          COMPUTE_THREADS=1, LOG_LEVEL="debug", **DUB_ENV)
    await server.wait_for_line("running as PID 1")
    [(server_pid, _)] = children(server.proc.pid)
    worker = await open_stream(server)
    assert (await dub(worker, 0))["status"] == "success"
    english_spanish = pipelines_of(server_pid, "eng-spa")
    assert english_spanish, "no en-es apertium pipeline runs under the server"
    for leader in english_spanish:
        os.killpg(leader, signal.SIGKILL)
    # The next translation finds its pipeline dead and reaps its whole group before
    # starting another.
    rescued = await dub(worker, 1)
    assert rescued["status"] == "success", rescued.get("error")
    zombies = [pid for pid, state in children(server_pid) if state == "Z"]
    assert zombies == [], f"zombies under the server: {zombies}"
    # A pipeline nobody uses dies too: its orphans are reaped on SIGCHLD, its leader is
    # left to the translator, which reaps it when it next uses that pipeline.
    for leader in pipelines_of(server_pid, "spa-eng"):
        os.killpg(leader, signal.SIGKILL)
    await server.wait_for_line("orphaned processes reaped")
    os.kill(server_pid, signal.SIGTERM)  # unshare does not pass SIGTERM on
    await server.wait_exit()
