#!/usr/bin/python3
"""A loopback TCP proxy whose connections a test can cut: a network blip between
a worker and the server, without touching either.

In-process, from an async test (standard library only):

    proxy = await TcpProxy.start(server_port)    # listens on 127.0.0.1, port proxy.port
    ...connect the worker to proxy.port...
    await proxy.cut()                  # RST both ways on every live connection
    await proxy.cut(mode="blackhole")  # every live connection goes silent, both ways
    await proxy.release_blackholes()   # RST the silent ones (call it before the test ends)
    await proxy.close()

Each accepted connection gets its own connection to host:target_port, and bytes
are pumped both ways as they arrive; a FIN or an RST from one side is passed on
to the other. A cut affects the connections live at that moment only: later
connections (the worker's reconnect) are forwarded as usual.

"reset" closes both sockets with SO_LINGER (1, 0), so the client and the server
both see the connection reset. "blackhole" stops forwarding but closes nothing:
whatever either side sends is read and thrown away (counted in `discarded`), so
neither sees back-pressure, the client hears nothing, and the server holds a
half-open connection until its heartbeat gives up. A side that closes its end of
a black-holed connection is closed in turn; the other side is told nothing.

Counters: `accepted` (connections accepted so far), `connections` (live,
forwarded connections now), `blackholed` (black-holed ones not yet released),
`discarded` (bytes thrown away on black-holed connections).

For a test that drives another program through it, run it with /usr/bin/python3:

    /usr/bin/python3 tests/doubles/tcp_proxy.py --target-port N [--port 0] [--host ADDR]

It prints "listening on port P" once the socket is bound (port 0 = any free) and
then reads commands from stdin, one a line: "cut" (reset), "blackhole" and
"release" (release_blackholes), answering each with "ok COMMAND N" once done, N
being the number of connections it cut; anything else gets "error COMMAND".
Nothing else goes to stdout. EOF on stdin closes everything and exits.
"""

import argparse
import asyncio
import socket
import struct
import sys

CHUNK = 65536
LINGER_RESET = struct.pack("ii", 1, 0)


def _reset(writer):
    """Closes a stream's socket with an RST rather than a FIN."""
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
    except (AttributeError, OSError):
        pass  # already closed: there is nothing left to reset
    writer.transport.abort()  # close() would wait for the write buffer to drain first


async def _closed(writer):
    try:
        await writer.wait_closed()
    except OSError:
        pass  # a connection that ended in an error is closed all the same


class _Link:
    """One client connection and the proxy's connection to the target for it."""

    def __init__(self, proxy, client):
        self.proxy = proxy
        self.client = client    # (reader, writer)
        self.upstream = None    # the same, once connected
        self.blackholed = False
        self.closed = False
        self.tasks = []

    def writers(self):
        return [side[1] for side in (self.client, self.upstream) if side]

    async def run(self, host, port):
        try:
            self.upstream = await asyncio.open_connection(host, port)
        except OSError:
            self.reset()  # refused the way the target refused us
            return
        if self.closed:  # cut while connecting: the new socket goes the same way
            self.reset()
            return
        pump = self._discard if self.blackholed else self._pump
        self.tasks = [asyncio.create_task(pump(self.client, self.upstream)),
                      asyncio.create_task(pump(self.upstream, self.client))]
        await asyncio.wait(self.tasks)
        if not (self.blackholed or self.closed):  # both ends sent a FIN
            for writer in self.writers():
                writer.close()
            await asyncio.gather(*map(_closed, self.writers()))

    async def _pump(self, src, dst):
        reader, writer = src[0], dst[1]
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()  # half-closed, as the sender left it
        except OSError:
            self.reset()  # pass the reset on, so neither side hangs on a dead peer

    async def _discard(self, src, dst):
        reader, writer = src
        try:
            while data := await reader.read(CHUNK):
                self.proxy.discarded += len(data)
            writer.close()  # finish that side's close; the other side must not learn of it
        except OSError:
            _reset(writer)

    async def blackhole(self):
        self.blackholed = True
        if not self.tasks:
            return  # still connecting: run() discards from the start
        for task in self.tasks:
            task.cancel()
        # No pump may be left half-way through a write.
        await asyncio.wait(self.tasks)
        self.tasks = [asyncio.create_task(self._discard(self.client, self.upstream)),
                      asyncio.create_task(self._discard(self.upstream, self.client))]

    def reset(self):
        self.closed = True
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        for writer in self.writers():
            _reset(writer)

    async def wait_closed(self):
        await asyncio.gather(*map(_closed, self.writers()))


class TcpProxy:
    """Forwards connections on 127.0.0.1:port to host:target_port; see the module
    docstring."""

    def __init__(self, target_port, host):
        self.target_port = target_port
        self.host = host
        self.port = None
        self.accepted = 0
        self.discarded = 0
        self._server = None
        self._live = set()
        self._holes = set()
        self._handlers = set()

    @classmethod
    async def start(cls, target_port, host="127.0.0.1", port=0):
        """Listens on host:port (0: a port of the kernel's choosing, in .port)."""
        proxy = cls(target_port, host)
        proxy._server = await asyncio.start_server(proxy._accept, host, port)
        proxy.port = proxy._server.sockets[0].getsockname()[1]
        return proxy

    @property
    def connections(self):
        return len(self._live)

    @property
    def blackholed(self):
        return len(self._holes)

    async def _accept(self, reader, writer):
        self.accepted += 1
        link = _Link(self, (reader, writer))
        # Live from the accept on, so a cut also catches one still connecting upstream.
        self._live.add(link)
        self._handlers.add(asyncio.current_task())
        try:
            await link.run(self.host, self.target_port)
        finally:
            self._live.discard(link)
            self._handlers.discard(asyncio.current_task())

    async def cut(self, mode="reset"):
        """Cuts every live connection ("reset" or "blackhole"); returns how many."""
        if mode not in ("reset", "blackhole"):
            raise ValueError(f"unknown cut mode {mode!r}")
        links, self._live = list(self._live), set()
        if mode == "reset":
            for link in links:
                link.reset()
            await asyncio.gather(*(link.wait_closed() for link in links))
        else:
            self._holes.update(links)
            await asyncio.gather(*(link.blackhole() for link in links))
        return len(links)

    async def release_blackholes(self):
        """Resets every black-holed connection; returns how many."""
        links, self._holes = list(self._holes), set()
        for link in links:
            link.reset()
        await asyncio.gather(*(link.wait_closed() for link in links))
        return len(links)

    async def close(self):
        """Stops listening and resets every connection."""
        self._server.close()
        await self.cut()
        await self.release_blackholes()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        # Last: from Python 3.12 on this also waits for every connection to end.
        await self._server.wait_closed()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


COMMANDS = {
    "cut": lambda proxy: proxy.cut("reset"),
    "blackhole": lambda proxy: proxy.cut("blackhole"),
    "release": lambda proxy: proxy.release_blackholes(),
}


async def serve(args):
    proxy = await TcpProxy.start(args.target_port, args.host, args.port)
    print(f"listening on port {proxy.port}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        # A thread, as stdin may be a file, which the event loop cannot watch.
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = line.strip()
            if not command:
                continue
            if command in COMMANDS:
                print(f"ok {command} {await COMMANDS[command](proxy)}", flush=True)
            else:
                print(f"error {command}", flush=True)
    finally:
        await proxy.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
