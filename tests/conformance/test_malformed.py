"""Malformed input closes the offending connection (or session) and nothing
else: after every case a brand-new client must still connect and get its
message echoed, proving the server survived.

Cases are sent on a raw peer that answers pings, so a close can only come
from the server rejecting the input, never from a missed heartbeat.
"""

import pytest

from rawpeer import (
    PollingPeer,
    WsPeer,
    assert_eio_server_alive,
    assert_sio_server_alive,
    http_session,
    sio_connect,
    skip_on_node,
)

P0 = '{"_placeholder":true,"num":0}'
P1 = '{"_placeholder":true,"num":1}'


class RawText:
    """A TEXT frame with arbitrary bytes (for invalid UTF-8)."""

    def __init__(self, payload):
        self.payload = payload

    def __repr__(self):
        return f"RawText({self.payload!r})"


async def send_all(peer, frames):
    for f in frames:
        if isinstance(f, RawText):
            await peer.send_raw_text_frame(f.payload)
        else:
            await peer.send(f)


async def assert_ws_closed_without_reply(peer):
    seen = await peer.wait_closed()
    # An Engine.IO close packet before the close is fine; an echo is not.
    assert all(m == "1" for m in seen), f"server answered malformed input: {seen!r}"
    await peer.close()


async def assert_polling_session_closed(peer):
    """The sid stops working: a poll answers non-200, or carries a close
    packet after which the sid is unknown."""
    for _ in range(20):  # bounded: a live session answers every ~300 ms
        status, packets = await peer.get()
        if status != 200:
            return
        if "1" in packets:
            status, _ = await peer.get()
            assert status != 200, "sid still usable after its close packet"
            return
        # Keep the heartbeat going so only the malformed input can close it.
        if "2" in packets and await peer.post(["3"]) != 200:
            return
    raise AssertionError("polling session still open after malformed input")


# Engine.IO over WebSocket ---------------------------------------------------------

EIO_WS_CASES = [
    pytest.param([""], id="empty-text-frame"),
    pytest.param(["x"], id="unknown-type-letter"),
    pytest.param(["xhello"], id="unknown-type-letter-with-data"),
    pytest.param(["7"], id="unknown-type-digit-7"),
    pytest.param(["9hello"], id="unknown-type-digit-9"),
    pytest.param(["\u00e94"], id="non-ascii-type"),
    pytest.param([RawText(b"4\xff\xfe")], id="invalid-utf8-text-frame"),
    pytest.param(["4fine", "z"], id="unknown-type-after-valid-message"),
]


@pytest.mark.parametrize("frames", EIO_WS_CASES)
async def test_malformed_engineio_websocket_message_closes_connection(eio_server, frames):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, eio_server)
        await send_all(peer, frames)
        seen = await peer.wait_closed()
        # A valid message sent before the bad one may be echoed.
        assert all(m in ("1", "4fine") for m in seen), seen
        await peer.close()
    await assert_eio_server_alive(eio_server)


# Engine.IO over HTTP long-polling ---------------------------------------------------

EIO_POLLING_CASES = [
    pytest.param("", id="empty-body"),
    pytest.param("\x1e", id="only-separator"),
    pytest.param("\x1e\x1e", id="empty-packets"),
    pytest.param("4hello\x1e", id="trailing-separator"),
    pytest.param("\x1e4hello", id="leading-separator"),
    pytest.param("4a\x1e\x1e4b", id="empty-packet-in-middle"),
    pytest.param("x", id="unknown-type"),
    pytest.param("4ok\x1e9bad", id="unknown-type-after-valid-packet"),
    pytest.param(
        "b!!!!",
        id="invalid-base64",
        marks=skip_on_node("engine.io decodes base64 leniently (Buffer.from drops bad characters)"),
    ),
    pytest.param(
        "4ok\x1ebAQ*D",
        id="invalid-base64-after-valid-packet",
        marks=skip_on_node("engine.io decodes base64 leniently (Buffer.from drops bad characters)"),
    ),
]


@pytest.mark.parametrize("body", EIO_POLLING_CASES)
async def test_malformed_polling_payload_closes_session(eio_server, body):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        # Rejecting the POST outright, or accepting it and closing the session
        # (engine.io answers "ok" and then drops the sid), are both fine.
        if await peer.post(body=body) == 200:
            await assert_polling_session_closed(peer)
    await assert_eio_server_alive(eio_server)


async def test_malformed_payload_in_one_session_leaves_other_sessions_alone(eio_server):
    async with http_session() as http:
        bystander, _ = await WsPeer.open(http, eio_server)
        victim, _ = await PollingPeer.open(http, eio_server)
        if await victim.post(body="x") == 200:
            await assert_polling_session_closed(victim)
        await bystander.send("4unaffected")
        await bystander.expect("4unaffected")
        await bystander.close()


# Socket.IO, on an established "/" connection ----------------------------------------

SIO_AFTER_CONNECT_CASES = [
    # packet type
    pytest.param(["4abc"], id="garbage-packet"),
    pytest.param(["4"], id="empty-packet"),
    pytest.param(["47"], id="unknown-type-7"),
    pytest.param(["48[]"], id="unknown-type-8"),
    pytest.param(["49"], id="unknown-type-9"),
    pytest.param(["4x42"], id="type-not-a-digit"),
    # JSON
    pytest.param(["42{"], id="invalid-json"),
    pytest.param(['42["message",'], id="truncated-json"),
    pytest.param(['42["message"]garbage'], id="trailing-garbage-after-json"),
    pytest.param(['42["message",tru]'], id="invalid-json-literal"),
    # EVENT payload
    pytest.param(['42{"message":1}'], id="event-payload-object"),
    pytest.param(['42"message"'], id="event-payload-string"),
    pytest.param(["42[]"], id="event-empty-array"),
    pytest.param(["42[true]"], id="event-name-boolean"),
    pytest.param(["42[null]"], id="event-name-null"),
    pytest.param(['42[{"name":"message"}]'], id="event-name-object"),
    pytest.param(['42[["message"]]'], id="event-name-array"),
    # ack id
    pytest.param(['42abc["message-with-ack",1]'], id="ack-id-letters"),
    pytest.param(['42-1["message-with-ack",1]'], id="ack-id-negative"),
    pytest.param(['421.5["message-with-ack",1]'], id="ack-id-fraction"),
    # ACK payload
    pytest.param(['431{"a":1}'], id="ack-payload-object"),
    pytest.param(['431"x"'], id="ack-payload-string"),
    # namespace
    pytest.param(['42custom,["message",1]'], id="namespace-without-slash"),
    pytest.param(['42/custom,["message",1]'], id="event-on-namespace-not-joined"),
    pytest.param(['42/random,["message",1]'], id="event-on-unknown-namespace"),
    # packet types a client must not send
    pytest.param(['44{"message":"nope"}'], id="client-sends-connect-error"),
    pytest.param(['41{"reason":"x"}'], id="disconnect-with-payload"),
    pytest.param(["40"], id="duplicate-connect"),
    # binary attachments
    pytest.param([f'45-["message",{P0}]', b"\x01"], id="attachment-count-missing"),
    pytest.param([f'450-["message",{P0}]', b"\x01"], id="attachment-count-zero"),
    pytest.param([f'45a-["message",{P0}]', b"\x01"], id="attachment-count-letters"),
    pytest.param([f'451["message",{P0}]', b"\x01"], id="attachment-count-without-dash"),
    pytest.param([f'45-1-["message",{P0}]', b"\x01"], id="attachment-count-negative"),
    pytest.param([f'4599999999999-["message",{P0}]', b"\x01"], id="attachment-count-huge"),
    pytest.param(['451-{"message":1}', b"\x01"], id="binary-event-payload-object"),
    pytest.param(["451-[]", b"\x01"], id="binary-event-empty-array"),
    pytest.param(['461-789{"a":1}', b"\x01"], id="binary-ack-payload-object"),
    pytest.param([f'451-["message",{P0}]', '42["message",1]'], id="text-packet-instead-of-attachment"),
    pytest.param(
        [f'452-["message",{P0},{P1}]', b"\x01", '42["message",1]'], id="text-packet-instead-of-second-attachment"
    ),
    pytest.param([f'451-["message",{P0}]', "4abc"], id="garbage-instead-of-attachment"),
    pytest.param([f'451-["message",{P1}]', b"\x01"], id="placeholder-num-out-of-range"),
    pytest.param(['451-["message",{"_placeholder":true,"num":-1}]', b"\x01"], id="placeholder-num-negative"),
    pytest.param(['451-["message",{"_placeholder":true,"num":"0"}]', b"\x01"], id="placeholder-num-string"),
    pytest.param([b"\x01\x02\x03"], id="attachment-without-binary-event"),
]


@pytest.mark.parametrize("frames", SIO_AFTER_CONNECT_CASES)
async def test_malformed_socketio_packet_after_connect_closes_connection(sio_server, frames):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await sio_connect(peer)
        await send_all(peer, frames)
        await assert_ws_closed_without_reply(peer)
    await assert_sio_server_alive(sio_server)


# Socket.IO, before any CONNECT ------------------------------------------------------

SIO_BEFORE_CONNECT_CASES = [
    pytest.param(['42["message",1]'], id="event-before-connect"),
    pytest.param(['42456["message-with-ack",1]'], id="event-with-ack-before-connect"),
    pytest.param(["431[1]"], id="ack-before-connect"),
    pytest.param(["41"], id="disconnect-before-connect"),
    pytest.param([f'451-["message",{P0}]', b"\x01"], id="binary-event-before-connect"),
    pytest.param(['40"token"'], id="connect-payload-string"),
    pytest.param(['40["token"]'], id="connect-payload-array"),
    pytest.param(["40null"], id="connect-payload-null"),
    pytest.param(["40true"], id="connect-payload-boolean"),
    pytest.param(["40{"], id="connect-payload-invalid-json"),
    pytest.param(['40{"token":"1"}x'], id="connect-payload-trailing-garbage"),
    pytest.param(['40/custom,"token"'], id="custom-connect-payload-string"),
    pytest.param(["40custom,"], id="connect-namespace-without-slash"),
    pytest.param(["4abc"], id="garbage-packet"),
    pytest.param(["4"], id="empty-packet"),
]


@pytest.mark.parametrize("frames", SIO_BEFORE_CONNECT_CASES)
async def test_malformed_socketio_packet_before_connect_closes_connection(sio_server, frames):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await send_all(peer, frames)
        await assert_ws_closed_without_reply(peer)
    await assert_sio_server_alive(sio_server)


# Socket.IO over polling ------------------------------------------------------------

SIO_POLLING_CASES = [
    pytest.param("4abc", id="garbage-packet"),
    pytest.param("42{", id="invalid-json"),
    pytest.param(f'451-["message",{P0}]\x1e42["message",1]', id="text-packet-instead-of-attachment"),
    pytest.param("bAQID", id="attachment-without-binary-event"),
]


@pytest.mark.parametrize("body", SIO_POLLING_CASES)
async def test_malformed_socketio_packet_over_polling_closes_session(sio_server, body):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, sio_server)
        peer.start()
        await sio_connect(peer)
        await peer.stop()
        if await peer.post(body=body) == 200:
            await assert_polling_session_closed(peer)
    await assert_sio_server_alive(sio_server)


# Inputs a server may either answer or refuse, but must survive -----------------------


@skip_on_node("socket.io 4.8.1 crashes: RangeError (stack overflow) in socket.io-parser hasBinary when re-emitting")
async def test_deeply_nested_json_is_answered_or_refused_without_crashing(sio_server):
    depth = 100_000
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await sio_connect(peer)
        await peer.send('42["message",' + "[" * depth + "]" * depth + "]")
        try:
            got = await peer.recv(timeout=5)
        except AssertionError:
            # Refused (e.g. a nesting limit): the connection must be closed.
            await assert_ws_closed_without_reply(peer)
        else:
            assert got.startswith('42["message-back",[[[['), got[:100]
            await peer.close()
    await assert_sio_server_alive(sio_server)


async def test_many_malformed_connections_in_a_row_leave_server_healthy(sio_server):
    async with http_session() as http:
        for _ in range(20):
            peer, _ = await WsPeer.open(http, sio_server)
            await peer.send("4abc")
            await assert_ws_closed_without_reply(peer)
    await assert_sio_server_alive(sio_server)
