"""Serving an aiohttp app for the Python yardsticks, reporting the real port."""
import asyncio
import socket
import sys

from aiohttp import web


async def _serve(app, host, port):
    # Bind the socket ourselves so that port 0 can be reported as the port the
    # kernel actually chose.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"listening on port {sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def serve_forever(app, host, port):
    """Prints "listening on port N" once bound; runs until interrupted."""
    try:
        asyncio.run(_serve(app, host, port))
    except KeyboardInterrupt:
        sys.exit(0)
