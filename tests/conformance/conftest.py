"""Shared fixtures for the Socket.IO v5 / Engine.IO v4 conformance suite.

The server under test comes from the environment variable
STS_CONFORMANCE_SERVER, a command line split with shlex, for example

    STS_CONFORMANCE_SERVER=build/tools/socketio-conformance-server
    STS_CONFORMANCE_SERVER="node bench/yardsticks/node_fixture.mjs"

It is started with "--port 0" (plus "--engineio-echo" for the Engine.IO
echo fixture) and must print "listening on port N" on stdout.

Run with Debian's interpreter, which has the client libraries:

    /usr/bin/python3 -m pytest -q tests/conformance

Async tests are plain "async def" functions; the hook below runs each one in
a fresh event loop with an overall deadline, so no pytest-asyncio is needed.
"""

import asyncio
import collections
import inspect
import os
import re
import shlex
import subprocess
import sys
import threading

import pytest

from rawpeer import ENGINEIO_PATH, SERVER_ENV, SOCKETIO_PATH

STARTUP_TIMEOUT_S = 20
# Per-test deadline: a hung test fails on its own instead of stalling the run.
TEST_TIMEOUT_S = 20

_PORT_LINE = re.compile(r"listening on port (\d+)")


def server_command():
    cmd = os.environ.get(SERVER_ENV, "").strip()
    return shlex.split(cmd) if cmd else None


class ServerProcess:
    """One fixture-server process; its output is kept for failure reports."""

    def __init__(self, argv, path):
        self.argv = argv
        # Where the server answers Engine.IO: "/socket.io/", or "/engine.io/" for the
        # Engine.IO-only echo server, as the reference engine.io server does.
        self.path = path
        self.proc = None
        self.port = None
        self._lines = collections.deque(maxlen=200)
        self._ready = threading.Event()

    def start(self):
        self.port = None
        self._ready.clear()
        self._lines.clear()
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                bufsize=1,
            )
        except OSError as e:
            pytest.fail(f"cannot start {self.argv!r}: {e}", pytrace=False)
        # The reader keeps draining output after the port line so a chatty
        # server never blocks on a full pipe.
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        if not self._ready.wait(STARTUP_TIMEOUT_S) or self.port is None:
            self.stop()
            pytest.fail(
                f"{self.argv!r} did not print 'listening on port N' within "
                f"{STARTUP_TIMEOUT_S} s; output:\n{self.output()}",
                pytrace=False,
            )

    def _read(self, proc):
        for line in proc.stdout:
            self._lines.append(line.rstrip("\n"))
            if self.port is None:
                m = _PORT_LINE.search(line)
                if m:
                    self.port = int(m.group(1))
                    self._ready.set()
        self._ready.set()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        return "\n".join(self._lines) or "(no output)"

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    # URLs -----------------------------------------------------------------

    @property
    def http_base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self):
        return f"ws://127.0.0.1:{self.port}"


def _start_module_server(extra_args, path):
    argv = server_command()
    if argv is None:
        pytest.skip(f"set {SERVER_ENV} to the conformance server command")
    server = ServerProcess(argv + ["--port", "0"] + extra_args, path)
    server.start()
    return server


def _checked(server):
    # A server that died in an earlier test was already reported there;
    # restart it so later tests are judged on their own.
    if not server.alive():
        server.stop()
        server.start()
    yield server
    # Crashes are pinned on the test that caused them.
    if not server.alive():
        pytest.fail(
            f"server exited (code {server.proc.returncode}) during the test; "
            f"output:\n{server.output()}",
            pytrace=False,
        )


# One server per test module: a fresh process per test would cost a Node
# start-up (~0.3 s) each time, and the per-test liveness check still
# attributes a crash to the test that caused it.
@pytest.fixture(scope="module")
def _sio_process():
    server = _start_module_server([], SOCKETIO_PATH)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _eio_process():
    server = _start_module_server(["--engineio-echo"], ENGINEIO_PATH)
    yield server
    server.stop()


@pytest.fixture
def sio_server(_sio_process):
    """The Socket.IO fixture server (namespaces "/" and "/custom")."""
    yield from _checked(_sio_process)


@pytest.fixture
def eio_server(_eio_process):
    """The fixture server in --engineio-echo mode, at /engine.io/."""
    yield from _checked(_eio_process)


def pytest_pyfunc_call(pyfuncitem):
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {
        name: pyfuncitem.funcargs[name]
        for name in pyfuncitem._fixtureinfo.argnames
    }

    async def run():
        deadline = asyncio.timeout(TEST_TIMEOUT_S)
        try:
            async with deadline:
                await pyfuncitem.obj(**kwargs)
        except TimeoutError:
            if not deadline.expired():
                raise
            pytest.fail(f"test did not finish within {TEST_TIMEOUT_S} s", pytrace=False)

    asyncio.run(run())
    return True


def pytest_report_header(config):
    cmd = os.environ.get(SERVER_ENV)
    where = cmd if cmd else f"(unset: conformance tests skip; set {SERVER_ENV})"
    return [f"conformance server: {where}", f"python: {sys.executable}"]
