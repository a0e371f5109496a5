"""Interoperability with a real third-party client: python-socketio's
AsyncClient, websocket-only and with the default polling-then-upgrade."""

import asyncio

import pytest
import socketio

TRANSPORTS = {
    "websocket": ["websocket"],
    "polling-upgrade": None,  # the client's default: polling, then upgrade
}
TIMEOUT = 5


@pytest.fixture(params=list(TRANSPORTS), ids=list(TRANSPORTS))
def transports(request):
    return TRANSPORTS[request.param]


class Recorder:
    """Queues every occurrence of the named events for awaiting."""

    def __init__(self, client, events, namespace="/"):
        self.queues = {name: asyncio.Queue() for name in events}
        for name in events:
            client.on(name, self._handler(name), namespace=namespace)

    def _handler(self, name):
        async def handler(*args):
            self.queues[name].put_nowait(args)

        return handler

    async def next(self, name):
        try:
            return await asyncio.wait_for(self.queues[name].get(), TIMEOUT)
        except asyncio.TimeoutError:
            raise AssertionError(f'no "{name}" event within {TIMEOUT} s') from None


def new_client():
    # Reconnection off: a dropped connection must fail the test, not be
    # papered over by a silent reconnect.
    return socketio.AsyncClient(reconnection=False)


async def connect(client, server, transports, **kw):
    await client.connect(
        server.http_base, transports=transports, wait_timeout=TIMEOUT, **kw
    )


async def wait_until(predicate, what):
    """Polls a client-side condition the library exposes no event for."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_connect_without_auth_receives_empty_auth_event(sio_server, transports):
    client = new_client()
    rec = Recorder(client, ["auth"])
    await connect(client, sio_server, transports)
    try:
        assert await rec.next("auth") == ({},)
    finally:
        await client.disconnect()


async def test_connect_with_auth_receives_it_back_in_auth_event(sio_server, transports):
    client = new_client()
    rec = Recorder(client, ["auth"])
    await connect(client, sio_server, transports, auth={"token": "123"})
    try:
        assert await rec.next("auth") == ({"token": "123"},)
    finally:
        await client.disconnect()


async def test_polling_client_ends_up_on_websocket(sio_server):
    client = new_client()
    await connect(client, sio_server, None)
    try:
        await wait_until(lambda: client.transport() == "websocket", "the upgrade to websocket")
        # The upgraded transport actually carries traffic.
        assert await client.call("message-with-ack", "after upgrade", timeout=TIMEOUT) == "after upgrade"
    finally:
        await client.disconnect()


async def test_emit_message_gets_message_back_with_same_arguments(sio_server, transports):
    client = new_client()
    rec = Recorder(client, ["message-back"])
    await connect(client, sio_server, transports)
    try:
        await client.emit("message", (1, "2", {"3": [True]}))
        assert await rec.next("message-back") == (1, "2", {"3": [True]})
        await client.emit("message", "single")
        assert await rec.next("message-back") == ("single",)
    finally:
        await client.disconnect()


async def test_call_message_with_ack_returns_the_arguments(sio_server, transports):
    client = new_client()
    await connect(client, sio_server, transports)
    try:
        assert await client.call("message-with-ack", "only", timeout=TIMEOUT) == "only"
        assert await client.call("message-with-ack", (1, "2", {"3": [True]}), timeout=TIMEOUT) == (
            1,
            "2",
            {"3": [True]},
        )
        # Concurrent calls are matched to their own ack ids.
        results = await asyncio.gather(
            *(client.call("message-with-ack", i, timeout=TIMEOUT) for i in range(10))
        )
        assert results == list(range(10))
    finally:
        await client.disconnect()


async def test_binary_arguments_come_back_as_bytes(sio_server, transports):
    client = new_client()
    rec = Recorder(client, ["message-back"])
    await connect(client, sio_server, transports)
    try:
        blob = bytes(range(256))
        await client.emit("message", (blob, {"nested": [b"\x00\x01"]}, "text"))
        assert await rec.next("message-back") == (blob, {"nested": [b"\x00\x01"]}, "text")
        acked = await client.call("message-with-ack", (b"\xff", b""), timeout=TIMEOUT)
        assert acked == (b"\xff", b"")
    finally:
        await client.disconnect()


async def test_connect_to_custom_namespace_receives_auth_event(sio_server, transports):
    client = new_client()
    rec = Recorder(client, ["auth"], namespace="/custom")
    await connect(client, sio_server, transports, namespaces=["/custom"], auth={"k": "v"})
    try:
        assert await rec.next("auth") == ({"k": "v"},)
        assert "/custom" in client.namespaces
    finally:
        await client.disconnect()


async def test_connect_to_unknown_namespace_fails(sio_server, transports):
    client = new_client()
    errors = asyncio.Queue()
    client.on("connect_error", lambda data: errors.put_nowait(data), namespace="/random")
    # wait=False: with wait=True the client sits out its whole wait_timeout
    # before reporting the refusal.
    await client.connect(sio_server.http_base, transports=transports, namespaces=["/random"], wait=False)
    try:
        assert await asyncio.wait_for(errors.get(), TIMEOUT) == {"message": "Invalid namespace"}
        assert "/random" not in client.namespaces
    finally:
        await client.disconnect()


async def test_disconnect_is_clean_and_server_keeps_serving(sio_server, transports):
    client = new_client()
    disconnected = asyncio.Event()
    client.on("disconnect", lambda: disconnected.set())
    await connect(client, sio_server, transports)
    assert await client.call("message-with-ack", 1, timeout=TIMEOUT) == 1
    await client.disconnect()
    await asyncio.wait_for(disconnected.wait(), TIMEOUT)
    assert not client.connected

    fresh = new_client()
    rec = Recorder(fresh, ["message-back"])
    await connect(fresh, sio_server, transports)
    try:
        await fresh.emit("message", "fresh")
        assert await rec.next("message-back") == ("fresh",)
    finally:
        await fresh.disconnect()


async def test_many_concurrent_clients_each_get_their_own_replies(sio_server, transports):
    clients = [new_client() for _ in range(5)]
    await asyncio.gather(*(connect(c, sio_server, transports) for c in clients))
    try:
        results = await asyncio.gather(
            *(c.call("message-with-ack", f"client-{i}", timeout=TIMEOUT) for i, c in enumerate(clients))
        )
        assert results == [f"client-{i}" for i in range(5)]
    finally:
        await asyncio.gather(*(c.disconnect() for c in clients))
