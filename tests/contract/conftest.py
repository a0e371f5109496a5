"""Contract tests: docs/protocol.md §2-3, one test per rule, with real python-socketio
AsyncClient workers (websocket only, as production workers connect) against the
real server binary.

STS_CONTRACT_SERVER names the server (build/<preset>/tests/sts-contract-server:
sts-server plus the test-only "faults" pipeline); STS_DATA_DIR the test data (scripts/test-data.sh).
Run with Debian's interpreter, which has the client libraries:

    STS_CONTRACT_SERVER=build/dev/tests/sts-contract-server \\
        /usr/bin/python3 -m pytest -q tests/contract

Async tests are plain "async def" functions run in a fresh event loop with an
overall deadline, so no pytest-asyncio is needed. Tests synchronize on events,
never on sleeps.
"""

import asyncio
import collections
import inspect
import os
import re
import signal
import subprocess
import sys
import threading

import pytest

import worker as worker_module

SERVER_ENV = "STS_CONTRACT_SERVER"
STARTUP_TIMEOUT_S = 30
TEST_TIMEOUT_S = 60

_PORT_LINE = re.compile(r"listening on port (\d+)")

# Settings every test server gets unless a test overrides them: the fault pipeline,
# and a short close delay so the close after stream:complete is seen quickly.
BASE_ENV = {
    "STS_PIPELINE": "faults",
    "STREAM_CLOSE_DELAY_MS": "300",
    "LOG_LEVEL": "info",
    "SHUTDOWN_TIMEOUT_MS": "3000",
}


class Server:
    """One server process; its output lines are kept and can be awaited."""

    def __init__(self, argv, env):
        self.argv = argv
        self.env = env
        self.proc = None
        self.port = None
        self.lines = collections.deque(maxlen=5000)
        self._cond = threading.Condition()

    def start(self):
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
            env=self.env)
        threading.Thread(target=self._read, daemon=True).start()
        with self._cond:
            if not self._cond.wait_for(lambda: self.port is not None or self.proc.poll() is not None,
                                       STARTUP_TIMEOUT_S) or self.port is None:
                self.stop()
                pytest.fail(f"server did not start:\n{self.output()}", pytrace=False)

    def _read(self):
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                if self.port is None:
                    m = _PORT_LINE.search(line)
                    if m:
                        self.port = int(m.group(1))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    async def wait_for_line(self, needle):
        """Waits until a line containing `needle` has been printed; returns it."""
        def find():
            return next((l for l in self.lines if needle in l), None)

        def wait():
            # Bounded: the test's deadline cannot cancel this thread, and asyncio.run()
            # waits for it before the test can fail.
            with self._cond:
                self._cond.wait_for(lambda: find() is not None or self.proc.poll() is not None, TEST_TIMEOUT_S)
                return find()

        line = await asyncio.get_running_loop().run_in_executor(None, wait)
        assert line is not None, f"server never printed {needle!r}:\n{self.output()}"
        return line

    def output(self):
        return "\n".join(self.lines) or "(no output)"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    async def wait_exit(self):
        return await asyncio.get_running_loop().run_in_executor(None, self.proc.wait)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            # Gracefully, as an orchestrator would: the drain is exercised, and a
            # coverage build writes its counters only when the process exits.
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def start_server():
    """Starts a server with extra env settings; stops it after the test, failing
    the test if the server crashed."""
    binary = os.environ.get(SERVER_ENV)
    if not binary:
        pytest.skip(f"set {SERVER_ENV} to the contract server binary")
    servers = []

    def start(wrapper=(), **env):
        """`wrapper`: a command the server runs under (e.g. unshare, to make it PID 1)."""
        full_env = dict(os.environ)
        full_env.update(BASE_ENV)
        full_env.update({k: str(v) for k, v in env.items()})
        server = Server([*wrapper, binary, "--port", "0"], full_env)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        crashed = server.proc.poll() not in (None, 0)
        code = server.proc.returncode
        server.stop()
        if crashed:
            pytest.fail(f"server exited with {code}:\n{server.output()}", pytrace=False)


@pytest.fixture
def server(start_server):
    return start_server()


def pytest_pyfunc_call(pyfuncitem):
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}

    async def run():
        deadline = asyncio.timeout(TEST_TIMEOUT_S)
        try:
            async with deadline:
                await pyfuncitem.obj(**kwargs)
        except TimeoutError:
            if not deadline.expired():
                raise
            pytest.fail(f"test did not finish within {TEST_TIMEOUT_S} s", pytrace=False)
        finally:
            live, worker_module.LIVE[:] = list(worker_module.LIVE), []
            for w in live:
                if w.sio.connected:
                    await w.sio.disconnect()

    asyncio.run(run())
    return True


def pytest_report_header(config):
    return [f"contract server: {os.environ.get(SERVER_ENV, '(unset: tests skip)')}",
            f"python: {sys.executable}"]
