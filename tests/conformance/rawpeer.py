"""Hand-rolled Engine.IO v4 / Socket.IO v5 peers for the conformance tests.

They speak the wire format directly (aiohttp for HTTP long-polling and
WebSocket) so the tests can assert exact packets and send malformed ones.
Both peers answer the server's pings in the background by default: the
fixture pings every 300 ms with a 200 ms timeout, so a test that stopped
answering for half a second would lose its session for the wrong reason.
"""

import asyncio
import base64
import json
import os

import aiohttp
import pytest

SERVER_ENV = "STS_CONFORMANCE_SERVER"

SEP = "\x1e"
DEFAULT_TIMEOUT = 3.0
SOCKETIO_PATH = "/socket.io/"
ENGINEIO_PATH = "/engine.io/"

OPEN_KEYS = {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
PING_INTERVAL = 300
PING_TIMEOUT = 200
MAX_PAYLOAD = 1000000


def is_node_fixture():
    """True when the suite runs against the Node yardstick, for the few
    node-specific skips (each names its reason)."""
    return "node_fixture" in os.environ.get(SERVER_ENV, "")


def skip_on_node(reason):
    """Skip marker for behaviour where Node's socket.io legitimately differs
    from the C++ server's contract."""
    return pytest.mark.skipif(is_node_fixture(), reason="node socket.io: " + reason)


class _Closed:
    def __init__(self, reason):
        self.reason = reason

    def __repr__(self):
        return f"<closed: {self.reason}>"


def http_session():
    # No cookie jar: the fixture sets none and sessions must not leak state.
    return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())


def eio_query(transport, sid=None, **extra):
    q = {"EIO": "4", "transport": transport}
    if sid is not None:
        q["sid"] = sid
    q.update(extra)
    return q


def encode_payload(packets):
    """Polling payload: packets joined by 0x1e, binary as "b" + base64."""
    parts = []
    for p in packets:
        if isinstance(p, (bytes, bytearray)):
            parts.append("b" + base64.b64encode(bytes(p)).decode("ascii"))
        else:
            parts.append(p)
    return SEP.join(parts)


def decode_payload(body):
    out = []
    for part in body.split(SEP):
        if part.startswith("b"):
            out.append(base64.b64decode(part[1:], validate=True))
        else:
            out.append(part)
    return out


def parse_open(packet, transport):
    assert isinstance(packet, str) and packet.startswith("0"), f"expected open packet, got {packet!r}"
    data = json.loads(packet[1:])
    assert set(data) == OPEN_KEYS, f"open packet keys {sorted(data)} != {sorted(OPEN_KEYS)}"
    assert isinstance(data["sid"], str) and data["sid"], data
    assert data["upgrades"] == (["websocket"] if transport == "polling" else []), data
    assert data["pingInterval"] == PING_INTERVAL, data
    assert data["pingTimeout"] == PING_TIMEOUT, data
    assert data["maxPayload"] == MAX_PAYLOAD, data
    return data


class WsPeer:
    """A raw Engine.IO WebSocket connection with a background reader."""

    def __init__(self, ws, auto_pong):
        self.ws = ws
        self.auto_pong = auto_pong
        self.queue = asyncio.Queue()
        self.closed = False
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, http, server, sid=None, path=None, auto_pong=True, query=None, headers=None):
        params = query if query is not None else eio_query("websocket", sid)
        ws = await http.ws_connect(
            server.ws_base + (path or server.path),
            params=params,
            headers=headers,
            compress=0,  # the server under test does not negotiate permessage-deflate
            max_msg_size=0,
            autoping=True,
            timeout=DEFAULT_TIMEOUT,
        )
        return cls(ws, auto_pong)

    @classmethod
    async def open(cls, http, server, auto_pong=True):
        """New WebSocket-only session; returns (peer, parsed open packet)."""
        peer = await cls.connect(http, server, auto_pong=auto_pong)
        first = await peer.recv()
        return peer, parse_open(first, "websocket")

    async def _read(self):
        reason = "eof"
        try:
            while True:
                msg = await self.ws.receive()
                if msg.type == aiohttp.WSMsgType.TEXT:
                    if msg.data == "2" and self.auto_pong:
                        await self.ws.send_str("3")
                        continue
                    self.queue.put_nowait(msg.data)
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    self.queue.put_nowait(bytes(msg.data))
                else:
                    reason = f"{msg.type.name} {msg.data!r} {msg.extra!r}"
                    break
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as e:
            reason = repr(e)
        self.closed = True
        self.queue.put_nowait(_Closed(reason))

    async def send(self, data):
        if isinstance(data, (bytes, bytearray)):
            await self.ws.send_bytes(bytes(data))
        else:
            await self.ws.send_str(data)

    async def send_raw_text_frame(self, payload: bytes):
        """A TEXT frame with arbitrary bytes (e.g. invalid UTF-8)."""
        await self.ws._writer.send(payload, binary=False)

    async def recv(self, timeout=DEFAULT_TIMEOUT):
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no message within {timeout} s") from None
        if isinstance(item, _Closed):
            self.queue.put_nowait(item)
            raise AssertionError(f"connection closed while waiting for a message: {item.reason}")
        return item

    async def expect(self, expected, timeout=DEFAULT_TIMEOUT):
        got = await self.recv(timeout)
        assert got == expected, f"expected {expected!r}, got {got!r}"
        return got

    async def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        """Wait until the server ends the connection; any messages before the
        close are returned (an Engine.IO "1" close packet is allowed there)."""
        seen = []
        try:
            async with asyncio.timeout(timeout):
                while True:
                    item = await self.queue.get()
                    if isinstance(item, _Closed):
                        self.queue.put_nowait(item)
                        return seen
                    seen.append(item)
        except TimeoutError:
            raise AssertionError(
                f"server did not close the connection within {timeout} s; received {seen!r}"
            ) from None

    async def close(self):
        await self.ws.close()
        self._reader.cancel()
        try:
            await self._reader
        except asyncio.CancelledError:
            pass


class PollingPeer:
    """A raw Engine.IO HTTP long-polling session.

    Use get()/post() for single requests, or start() to run a background
    poll loop that answers pings and queues everything else for recv().
    """

    def __init__(self, http, server, sid, path=None):
        self.http = http
        self.server = server
        self.sid = sid
        self.path = path or server.path
        self.queue = asyncio.Queue()
        self._post_lock = asyncio.Lock()
        self._loop_task = None
        self.auto_pong = True

    @property
    def url(self):
        return self.server.http_base + self.path

    @classmethod
    async def open(cls, http, server, path=None, headers=None):
        path = path or server.path
        async with http.get(server.http_base + path, params=eio_query("polling"), headers=headers) as r:
            body = await r.text()
            assert r.status == 200, f"handshake answered {r.status}: {body!r}"
        packets = decode_payload(body)
        assert len(packets) == 1, f"handshake body should be just the open packet: {body!r}"
        info = parse_open(packets[0], "polling")
        return cls(http, server, info["sid"], path), info

    async def get(self, timeout=DEFAULT_TIMEOUT):
        """One poll; returns (status, packets or raw body for non-200)."""
        async with self.http.get(
            self.url,
            params=eio_query("polling", self.sid),
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as r:
            body = await r.text()
            if r.status != 200:
                return r.status, body
            return r.status, decode_payload(body)

    async def post(self, packets=None, body=None, headers=None):
        """Send packets (or a raw body); returns the HTTP status."""
        if body is None:
            body = encode_payload(packets)
        hdrs = {"Content-Type": "text/plain;charset=UTF-8"}
        hdrs.update(headers or {})
        async with self._post_lock:
            async with self.http.post(
                self.url,
                params=eio_query("polling", self.sid),
                data=body.encode("utf-8") if isinstance(body, str) else body,
                headers=hdrs,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_TIMEOUT),
            ) as r:
                await r.read()
                return r.status

    async def send(self, *packets):
        status = await self.post(list(packets))
        assert status == 200, f"POST answered {status}"

    def start(self, auto_pong=True):
        self.auto_pong = auto_pong
        self._loop_task = asyncio.create_task(self._poll_loop())

    async def _poll_loop(self):
        reason = None
        try:
            while reason is None:
                # Long polls are held until the next ping (300 ms); the
                # generous timeout only bounds a server that never answers.
                status, packets = await self.get(timeout=10)
                if status != 200:
                    reason = f"GET answered {status}: {packets!r}"
                    break
                for p in packets:
                    if p == "2" and self.auto_pong:
                        await self.post(["3"])
                    elif p == "1":
                        reason = "close packet"
                    else:
                        self.queue.put_nowait(p)
        except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError) as e:
            reason = repr(e)
        self.queue.put_nowait(_Closed(reason))

    recv = WsPeer.recv
    expect = WsPeer.expect
    wait_closed = WsPeer.wait_closed

    async def stop(self):
        if self._loop_task is not None:
            self._loop_task.cancel()
            try:
                await self._loop_task
            except asyncio.CancelledError:
                pass
            self._loop_task = None


# Socket.IO helpers -----------------------------------------------------------


def parse_connect_ok(packet, nsp="/"):
    prefix = "40" if nsp == "/" else f"40{nsp},"
    assert isinstance(packet, str) and packet.startswith(prefix), f"expected {prefix}{{sid}}, got {packet!r}"
    data = json.loads(packet[len(prefix):])
    assert set(data) == {"sid"} and isinstance(data["sid"], str) and data["sid"], packet
    return data["sid"]


async def sio_connect(peer, nsp="/", auth=None):
    """Socket.IO CONNECT on an open Engine.IO peer; checks the reply and the
    fixture's "auth" event, returns the Socket.IO sid."""
    prefix = "" if nsp == "/" else f"{nsp},"
    await peer.send("40" + prefix + ("" if auth is None else json.dumps(auth, separators=(",", ":"))))
    sid = parse_connect_ok(await peer.recv(), nsp)
    expected_auth = {} if auth is None else auth
    event = await peer.recv()
    assert isinstance(event, str) and event.startswith("42" + prefix), event
    assert json.loads(event[2 + len(prefix):]) == ["auth", expected_auth], event
    return sid


async def sio_ws_session(http, server, nsp="/", auth=None):
    peer, _ = await WsPeer.open(http, server)
    sid = await sio_connect(peer, nsp, auth)
    return peer, sid


async def assert_sio_server_alive(server):
    """A brand-new client can still connect and get a message echoed."""
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, server)
        await peer.send('42["message","still alive"]')
        await peer.expect('42["message-back","still alive"]')
        await peer.close()


async def assert_eio_server_alive(server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, server)
        await peer.send("4still alive")
        await peer.expect("4still alive")
        await peer.close()
