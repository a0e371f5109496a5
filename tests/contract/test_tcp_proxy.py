"""The TCP proxy double (tests/doubles/tcp_proxy.py) on its own, in front of a
tiny echo server in the test's event loop: no STS server needed."""
import asyncio
import contextlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "doubles", "tcp_proxy.py")
sys.path.insert(0, os.path.dirname(SCRIPT))
from tcp_proxy import TcpProxy  # noqa: E402


class Echo:
    """Echoes every connection, recording what each received and how it ended."""

    def __init__(self):
        self.received = []  # per connection, in accept order
        self.ends = []      # "eof" or "reset" once the connection has ended
        self.done = []      # set when it has

    async def handle(self, reader, writer):
        got, done = bytearray(), asyncio.Event()
        self.received.append(got)
        self.done.append(done)
        end = "eof"
        try:
            while data := await reader.read(65536):
                got += data
                writer.write(data)
                await writer.drain()
        except ConnectionResetError:
            end = "reset"
        finally:
            writer.close()
            self.ends.append(end)
            done.set()


@contextlib.asynccontextmanager
async def echo_server():
    echo = Echo()
    server = await asyncio.start_server(echo.handle, "127.0.0.1", 0)
    try:
        yield echo, server.sockets[0].getsockname()[1]
    finally:
        server.close()


@contextlib.asynccontextmanager
async def proxied_echo():
    async with echo_server() as (echo, port):
        async with await TcpProxy.start(port) as proxy:
            yield echo, proxy


async def connect(proxy):
    return await asyncio.open_connection("127.0.0.1", proxy.port)


async def roundtrip(reader, writer, data):
    writer.write(data)
    await writer.drain()
    assert await reader.readexactly(len(data)) == data


async def read_reset(reader):
    """What a cut connection reads: a reset, or an EOF."""
    try:
        return await reader.read(100)
    except ConnectionResetError:
        return b""


async def test_bytes_go_both_ways_and_a_fin_passes_through():
    async with proxied_echo() as (echo, proxy):
        reader, writer = await connect(proxy)
        await roundtrip(reader, writer, b"hello")
        assert (proxy.accepted, proxy.connections) == (1, 1)

        writer.write(b"bye")
        writer.write_eof()
        # The echo server sees our FIN, echoes and closes; its FIN reaches us.
        assert await reader.read() == b"bye"
        await echo.done[0].wait()
        assert echo.ends == ["eof"]
        assert bytes(echo.received[0]) == b"hellobye"
        writer.close()


async def test_cut_resets_both_sides_and_new_connections_go_through():
    async with proxied_echo() as (echo, proxy):
        reader, writer = await connect(proxy)
        await roundtrip(reader, writer, b"before")

        assert await proxy.cut() == 1
        assert await read_reset(reader) == b""
        await echo.done[0].wait()
        assert echo.ends == ["reset"]
        assert proxy.connections == 0
        writer.close()

        reader, writer = await connect(proxy)
        await roundtrip(reader, writer, b"after")
        assert (proxy.accepted, proxy.connections) == (2, 1)
        writer.close()


async def test_blackhole_swallows_both_ways_until_released():
    async with proxied_echo() as (echo, proxy):
        held_reader, held_writer = await connect(proxy)
        await roundtrip(held_reader, held_writer, b"before")

        assert await proxy.cut(mode="blackhole") == 1
        assert (proxy.connections, proxy.blackholed) == (0, 1)
        held_writer.write(b"lost")
        await held_writer.drain()

        # A later connection works, and its echo comes back after "lost" reached the
        # proxy (loopback delivers a write at once): had "lost" been forwarded, the
        # echo server would have it by now.
        reader, writer = await connect(proxy)
        await roundtrip(reader, writer, b"after")
        assert bytes(echo.received[0]) == b"before"
        assert proxy.discarded == len(b"lost")
        # Neither side of the black-holed connection was closed.
        assert not echo.done[0].is_set()
        assert not held_reader.at_eof() and held_reader.exception() is None
        assert (proxy.connections, proxy.blackholed) == (1, 1)

        assert await proxy.release_blackholes() == 1
        assert await read_reset(held_reader) == b""
        await echo.done[0].wait()
        assert echo.ends == ["reset"]
        assert proxy.blackholed == 0
        await roundtrip(reader, writer, b"still")
        held_writer.close()
        writer.close()


async def test_cli_cuts_on_command():
    async with echo_server() as (echo, port):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, SCRIPT, "--target-port", str(port),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        try:
            line = (await proc.stdout.readline()).decode()
            match = re.fullmatch(r"listening on port (\d+)\n", line)
            assert match, f"proxy did not start: {line!r}"
            proxy_port = int(match.group(1))

            async def command(name):
                proc.stdin.write(f"{name}\n".encode())
                await proc.stdin.drain()
                return (await proc.stdout.readline()).decode()

            reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
            await roundtrip(reader, writer, b"hello")
            assert await command("cut") == "ok cut 1\n"
            assert await read_reset(reader) == b""
            writer.close()

            reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
            await roundtrip(reader, writer, b"again")
            assert await command("blackhole") == "ok blackhole 1\n"
            assert await command("release") == "ok release 1\n"
            assert await read_reset(reader) == b""
            writer.close()
            assert await command("cut") == "ok cut 0\n"
            assert await command("bogus") == "error bogus\n"

            proc.stdin.close()
            assert await proc.wait() == 0
            assert await proc.stdout.read() == b""
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
