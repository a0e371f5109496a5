"""End-to-end tests: whole user journeys with the real binaries on the test
programme. Each test starts the servers it needs (`sts-server --port 0`, which
prints `listening on port N`) and runs sts-dub / sts-load against them.

Environment: STS_SERVER, STS_DUB and STS_LOAD name the binaries (CTest sets them),
STS_DATA_DIR the test data (scripts/test-data.sh). Run with Debian's interpreter:

    STS_SERVER=build/dev/src/app/sts-server STS_DUB=build/dev/tools/sts-dub/sts-dub \\
    STS_LOAD=build/dev/tools/sts-load/sts-load /usr/bin/python3 -m pytest -q tests/e2e

ffprobe and ffmpeg (Debian's ffmpeg, from scripts/setup.sh) read what sts-dub
writes and make a video input: an independent reader, not our own code checking
itself. Tests synchronize on what the processes print, never on sleeps.
"""

import array
import json
import math
import os
import re
import subprocess
import threading

import pytest

STARTUP_TIMEOUT_S = 60
_PORT_LINE = re.compile(r"listening on port (\d+)")


def binary(name):
    path = os.environ.get(name)
    if not path:
        pytest.skip(f"set {name} to run the e2e tests")
    return path


def data_path(*parts):
    root = os.environ.get("STS_DATA_DIR",
                          os.path.join(os.path.dirname(__file__), "..", "..", "test-data"))
    return os.path.join(root, *parts)


class Server:
    """One sts-server process, its output kept for failure messages."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [binary("STS_SERVER"), "--port", "0", *args], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
            env={**os.environ, "LOG_LEVEL": "warning"})
        self.lines = []
        self.port = None
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(STARTUP_TIMEOUT_S) or self.port is None:
            self.stop()
            pytest.fail("server did not start:\n" + "\n".join(self.lines), pytrace=False)

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            match = _PORT_LINE.search(line)
            if match and self.port is None:
                self.port = int(match.group(1))
                self._ready.set()
        self._ready.set()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def kill(self):
        self.proc.kill()
        self.proc.wait(30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


@pytest.fixture(scope="module")
def dub_server():
    """The server on its default pipeline (the full offline dub), shared by a module."""
    server = Server()
    yield server
    crashed = server.proc.poll() not in (None, 0)
    server.stop()
    assert not crashed, "server crashed:\n" + "\n".join(server.lines)


def probe(path):
    """ffprobe's view of a file: its streams and the container's duration."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries",
         "stream=codec_type,codec_name,sample_rate,channels,duration,duration_ts:format=duration",
         "-of", "json", path], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def audio_seconds(path):
    stream = next(s for s in probe(path)["streams"] if s["codec_type"] == "audio")
    return float(stream["duration"])


def mono_samples(path, rate=16000):
    """The file's audio as 16-bit mono samples at `rate`, decoded by ffmpeg."""
    done = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "s16le", "-ac", "1",
                           "-ar", str(rate), "-"], capture_output=True, check=True)
    return array.array("h", done.stdout)


def rms(samples):
    return math.sqrt(sum(x * x for x in samples) / len(samples)) if samples else 0.0


def speech_windows():
    """(start_ms, end_ms) of each utterance of the programme, from its manifest."""
    with open(data_path("program", "manifest.json")) as f:
        manifest = json.load(f)
    return [(int(u["start_ms"]), int(u["end_ms"])) for u in manifest["utterances"]]
