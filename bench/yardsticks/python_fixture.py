#!/usr/bin/python3
"""The conformance fixture on python-socketio's own server, as a yardstick.

Benchmarks measure the C++ server against this (and against Node's real
socket.io in node_fixture.mjs); the conformance suite also runs against it.
It uses the Debian packages python3-socketio 5.7.2, python3-engineio 4.3.4
and python3-aiohttp 3.8.4, so run it with /usr/bin/python3:

    /usr/bin/python3 bench/yardsticks/python_fixture.py [--port N]
        [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES]
        [--host ADDR]

Prints "listening on port N" once the socket is bound (port 0 = any free).

Behaviour: namespaces "/" and "/custom"; on connect the server emits "auth"
with the client's CONNECT payload ({} when there was none); on "/", "message"
comes back to its sender as "message-back" and "message-with-ack" is
acknowledged, both with the same arguments; any other namespace gets a
connect_error "Invalid namespace".

Known differences from the spec, inherent to python-socketio 5.7.2 /
python-engineio 4.3.4 and left as they are:
- there is no connect timeout (an Engine.IO session that never joins a
  namespace is kept until the client leaves);
- the Engine.IO handshake does not advertise maxPayload (the limit is still
  enforced, but on websocket text frames it counts characters, not bytes);
- a long-polling POST carrying more than 16 Engine.IO packets is refused
  (python-engineio's Payload.max_decode_packets), so a client that batches a
  burst of emits loses its connection where Node's server accepts it.
Two things are adjusted to match the contract, and only these: an unknown
namespace gets connect_error {"message": "Invalid namespace"} (python-socketio
sends a bare string), and long-polling POST bodies are read in full (see
_ExactBody).
"""

import argparse

from aiohttp import web
from engineio.async_drivers import aiohttp as eio_aiohttp
import socketio
from socketio import packet as sio_packet

from aiohttp_serve import serve_forever

NAMESPACES = ('/', '/custom')


class _ExactBody:
    """Request body whose read(n) returns all n bytes.

    python-engineio 4.3.4 reads a long-polling POST with a single
    read(Content-Length) on aiohttp's stream, which returns only what has
    arrived so far; a large body (the 900 KB case) is then cut short and
    fails to parse.
    """

    def __init__(self, stream):
        self._stream = stream

    async def read(self, n=-1):
        if n is None or n < 0:
            return await self._stream.read()
        return await self._stream.readexactly(n)


_translate_request = eio_aiohttp._async['translate_request']


def _translate_request_exact(request):
    environ = _translate_request(request)
    environ['wsgi.input'] = _ExactBody(environ['wsgi.input'])
    return environ


# Must happen before the server is built: it copies this table.
eio_aiohttp._async['translate_request'] = _translate_request_exact


class FixtureServer(socketio.AsyncServer):
    async def _handle_connect(self, eio_sid, namespace, data):
        # python-socketio answers an unknown namespace with the bare string
        # "Unable to connect"; protocol v5 wants an object carrying a message,
        # and socket.io-client reads err.message from it.
        if (namespace or '/') not in NAMESPACES:
            await self._send_packet(eio_sid, self.packet_class(
                sio_packet.CONNECT_ERROR,
                data={'message': 'Invalid namespace'}, namespace=namespace))
            return
        await super()._handle_connect(eio_sid, namespace, data)


def build_app(ping_interval_ms, ping_timeout_ms, max_payload):
    sio = FixtureServer(
        async_mode='aiohttp',
        cors_allowed_origins='*',
        ping_interval=ping_interval_ms / 1000.0,
        ping_timeout=ping_timeout_ms / 1000.0,
        max_http_buffer_size=max_payload,
        # Neither the C++ server nor node_fixture.mjs compresses; gzip here
        # would skew the comparison.
        http_compression=False,
        # Send CONNECT before the connect handler runs, so "auth" reaches the
        # client after it is connected, as with Node's server.
        always_connect=True,
    )

    def on_connect(namespace):
        async def connect(sid, environ, auth=None):
            await sio.emit('auth', {} if auth is None else auth,
                           to=sid, namespace=namespace)
        return connect

    for namespace in NAMESPACES:
        sio.on('connect', on_connect(namespace), namespace=namespace)

    # A tuple is how python-socketio spells "several arguments", for emits
    # and for ack return values alike.
    async def message(sid, *args):
        await sio.emit('message-back', args, to=sid)

    async def message_with_ack(sid, *args):
        return args

    sio.on('message', message)
    sio.on('message-with-ack', message_with_ack)

    app = web.Application()
    sio.attach(app)

    async def health(request):
        return web.json_response({'status': 'ok'})

    app.router.add_get('/health', health)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, default=3000)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--ping-interval', type=int, default=300,
                        metavar='MS')
    parser.add_argument('--ping-timeout', type=int, default=200, metavar='MS')
    parser.add_argument('--max-payload', type=int, default=1000000,
                        metavar='BYTES')
    args = parser.parse_args()
    serve_forever(build_app(args.ping_interval, args.ping_timeout, args.max_payload), args.host, args.port)


if __name__ == '__main__':
    main()
