"""Socket.IO v5 on the wire: exact packets for CONNECT, events, acks,
CONNECT_ERROR, binary events/acks and DISCONNECT, over raw WebSocket and raw
HTTP long-polling, against the Socket.IO fixture server."""

import json

import pytest

from rawpeer import (
    PollingPeer,
    WsPeer,
    assert_sio_server_alive,
    http_session,
    parse_connect_ok,
    sio_connect,
    sio_ws_session,
)

PLACEHOLDER_0 = '{"_placeholder":true,"num":0}'
PLACEHOLDER_1 = '{"_placeholder":true,"num":1}'


async def polling_sio_session(http, server, nsp="/", auth=None):
    peer, _ = await PollingPeer.open(http, server)
    peer.start()
    sid = await sio_connect(peer, nsp, auth)
    return peer, sid


# CONNECT ---------------------------------------------------------------------------


async def test_connect_to_main_namespace_answers_sid_then_auth_event(sio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await peer.send("40")
        parse_connect_ok(await peer.recv())
        await peer.expect('42["auth",{}]')
        await peer.close()


async def test_connect_payload_is_passed_to_server_as_auth(sio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await peer.send('40{"token":"123"}')
        parse_connect_ok(await peer.recv())
        await peer.expect('42["auth",{"token":"123"}]')
        await peer.close()


async def test_connect_to_custom_namespace_answers_with_namespace_prefix(sio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await peer.send("40/custom,")
        parse_connect_ok(await peer.recv(), "/custom")
        await peer.expect('42/custom,["auth",{}]')
        await peer.close()


async def test_connect_to_custom_namespace_with_auth(sio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await peer.send('40/custom,{"token":"123"}')
        parse_connect_ok(await peer.recv(), "/custom")
        await peer.expect('42/custom,["auth",{"token":"123"}]')
        await peer.close()


async def test_socketio_sid_differs_from_engineio_sid(sio_server):
    # v5 gives each namespace socket its own id, never the session id.
    async with http_session() as http:
        peer, info = await WsPeer.open(http, sio_server)
        sid = await sio_connect(peer)
        custom_sid = await sio_connect(peer, "/custom")
        assert len({info["sid"], sid, custom_sid}) == 3
        await peer.close()


async def test_connect_to_unknown_namespace_answers_connect_error(sio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await peer.send("40/random,")
        await peer.expect('44/random,{"message":"Invalid namespace"}')
        # The refusal is per namespace: the session can still join "/".
        await sio_connect(peer)
        await peer.close()


async def test_both_namespaces_are_multiplexed_on_one_session(sio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server)
        await sio_connect(peer, "/custom")
        await sio_connect(peer, "/")
        await peer.send('42["message","main"]')
        await peer.expect('42["message-back","main"]')
        await peer.close()


async def test_connect_timeout_closes_session_without_connect(sio_server):
    async with http_session() as http:
        # Pings are answered, so only the 1 s connect timeout can close it.
        peer, _ = await WsPeer.open(http, sio_server)
        seen = await peer.wait_closed(timeout=3)
        assert all(m == "1" for m in seen), seen
        await peer.close()


async def test_connect_timeout_closes_polling_session_without_connect(sio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, sio_server)
        peer.start()
        await peer.wait_closed(timeout=3)
        await peer.stop()
        status, _ = await peer.get()
        assert status == 400


async def test_connected_session_outlives_connect_timeout(sio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, sio_server, auto_pong=False)
        await peer.send("40")
        parse_connect_ok(await peer.recv())
        await peer.expect('42["auth",{}]')
        # Four answered pings take > 1 s, past the connect timeout.
        for _ in range(4):
            await peer.expect("2")
            await peer.send("3")
        await peer.send('42["message","late"]')
        await peer.expect('42["message-back","late"]')
        await peer.close()


# EVENT / ACK -------------------------------------------------------------------------


async def test_event_is_sent_back_with_identical_arguments(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send('42["message",1,"2",{"3":[true]}]')
        await peer.expect('42["message-back",1,"2",{"3":[true]}]')
        await peer.close()


async def test_event_without_arguments_is_sent_back(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send('42["message"]')
        await peer.expect('42["message-back"]')
        await peer.close()


@pytest.mark.parametrize(
    "args",
    [
        ["héllo ☃ 😀", "\u0000\u001f\"\\/\n"],
        [1.5, -0.25, 1e300, -12345678901, 0, None, False],
        [{"nested": {"deep": [[[{"a": []}]]]}, "empty": {}}],
        ["x" * 100_000],
    ],
    ids=["unicode-and-escapes", "numbers-and-literals", "nested", "long-string"],
)
async def test_event_arguments_round_trip_as_json(sio_server, args):
    # Compared as parsed JSON: escaping and number spelling may differ.
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send("42" + json.dumps(["message"] + args))
        got = await peer.recv()
        assert got.startswith("42"), got
        assert json.loads(got[2:]) == ["message-back"] + args
        await peer.close()


async def test_event_with_ack_id_is_acknowledged_with_same_arguments(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send('42456["message-with-ack",1]')
        await peer.expect("43456[1]")
        await peer.send('420["message-with-ack",1,"2",{"3":[true]}]')
        await peer.expect('430[1,"2",{"3":[true]}]')
        await peer.send('427["message-with-ack"]')
        await peer.expect("437[]")
        await peer.send('422147483648["message-with-ack","big id"]')
        await peer.expect('432147483648["big id"]')
        await peer.close()


async def test_acks_answer_each_id_once(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        for i in range(1, 6):
            await peer.send(f'42{i}["message-with-ack",{i}]')
        for i in range(1, 6):
            await peer.expect(f"43{i}[{i}]")
        await peer.close()


async def test_ack_for_unknown_id_is_ignored(sio_server):
    # Late acks (after a client-side timeout) are normal; they must not
    # break the connection.
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send("4312[1]")
        await peer.send('42["message","after ack"]')
        await peer.expect('42["message-back","after ack"]')
        await peer.close()


async def test_event_for_unhandled_name_is_ignored(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send('42["no-such-handler",1]')
        await peer.send('42["message","next"]')
        await peer.expect('42["message-back","next"]')
        await peer.close()


# Binary -------------------------------------------------------------------------------


async def test_binary_event_is_sent_back_with_its_attachment(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send(f'451-["message",{PLACEHOLDER_0}]')
        await peer.send(b"\x01\x02\x03")
        await peer.expect(f'451-["message-back",{PLACEHOLDER_0}]')
        await peer.expect(b"\x01\x02\x03")
        await peer.close()


async def test_binary_event_with_ack_gets_binary_ack(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send(f'451-789["message-with-ack",{PLACEHOLDER_0}]')
        await peer.send(b"\x01\x02\x03")
        await peer.expect(f"461-789[{PLACEHOLDER_0}]")
        await peer.expect(b"\x01\x02\x03")
        await peer.close()


async def test_binary_event_with_two_attachments_keeps_their_order(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send(f'452-["message",{PLACEHOLDER_0},"mid",{PLACEHOLDER_1}]')
        await peer.send(b"\xaa")
        await peer.send(b"\xbb\xbb")
        await peer.expect(f'452-["message-back",{PLACEHOLDER_0},"mid",{PLACEHOLDER_1}]')
        await peer.expect(b"\xaa")
        await peer.expect(b"\xbb\xbb")
        await peer.close()


async def test_binary_placeholders_are_resolved_by_num_not_position(sio_server):
    # Placeholder 1 comes first in the JSON, so the first argument is the
    # second frame; the server renumbers in document order when re-encoding.
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send(f'452-["message",{PLACEHOLDER_1},{PLACEHOLDER_0}]')
        await peer.send(b"first frame")
        await peer.send(b"second frame")
        await peer.expect(f'452-["message-back",{PLACEHOLDER_0},{PLACEHOLDER_1}]')
        await peer.expect(b"second frame")
        await peer.expect(b"first frame")
        await peer.close()


async def test_nested_binary_and_empty_attachment_round_trip(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await peer.send(f'451-["message",{{"a":[1,{PLACEHOLDER_0}],"b":"x"}}]')
        await peer.send(b"")
        got = await peer.recv()
        assert got.startswith("451-"), got
        assert json.loads(got[4:]) == ["message-back", {"a": [1, {"_placeholder": True, "num": 0}], "b": "x"}]
        await peer.expect(b"")
        await peer.close()


# DISCONNECT ------------------------------------------------------------------------------


async def test_client_disconnect_leaves_namespace_and_allows_reconnect(sio_server):
    async with http_session() as http:
        peer, sid = await sio_ws_session(http, sio_server)
        await peer.send("41")
        # A round trip before reconnecting: node's socket.io defers the
        # DISCONNECT by a tick and treats a CONNECT in the same read batch as
        # a duplicate (closing the session), a race no real client relies on.
        await sio_connect(peer, "/custom")
        # Same Engine.IO session, new namespace socket.
        new_sid = await sio_connect(peer)
        assert new_sid != sid
        await peer.send('42["message","again"]')
        await peer.expect('42["message-back","again"]')
        await peer.close()


async def test_disconnect_from_custom_namespace_keeps_main_namespace(sio_server):
    async with http_session() as http:
        peer, _ = await sio_ws_session(http, sio_server)
        await sio_connect(peer, "/custom")
        await peer.send("41/custom,")
        await peer.send('42["message","main still"]')
        await peer.expect('42["message-back","main still"]')
        await peer.close()


# Polling transport -------------------------------------------------------------------------


async def test_polling_session_carries_connect_events_and_acks(sio_server):
    async with http_session() as http:
        peer, _ = await polling_sio_session(http, sio_server, auth={"token": "123"})
        await peer.send('42["message",1,"2",{"3":[true]}]')
        await peer.expect('42["message-back",1,"2",{"3":[true]}]')
        await peer.send('42456["message-with-ack",1]')
        await peer.expect("43456[1]")
        await sio_connect(peer, "/custom")
        await peer.send("40/random,")
        await peer.expect('44/random,{"message":"Invalid namespace"}')
        await peer.stop()


async def test_polling_binary_event_and_ack_use_base64_attachments(sio_server):
    async with http_session() as http:
        peer, _ = await polling_sio_session(http, sio_server)
        # Header and attachment may share one POST payload.
        await peer.send(f'451-["message",{PLACEHOLDER_0}]', b"\x01\x02\x03")
        await peer.expect(f'451-["message-back",{PLACEHOLDER_0}]')
        await peer.expect(b"\x01\x02\x03")
        # ...or arrive in separate POSTs.
        await peer.send(f'451-789["message-with-ack",{PLACEHOLDER_0}]')
        await peer.send(b"\xff\x00")
        await peer.expect(f"461-789[{PLACEHOLDER_0}]")
        await peer.expect(b"\xff\x00")
        await peer.stop()


async def test_socketio_session_upgraded_from_polling_keeps_its_sockets(sio_server):
    async with http_session() as http:
        poll, _ = await PollingPeer.open(http, sio_server)
        poll.start()
        await sio_connect(poll)
        ws = await WsPeer.connect(http, sio_server, sid=poll.sid)
        await ws.send("2probe")
        await ws.expect("3probe")
        await ws.send("5")
        await poll.wait_closed()
        await poll.stop()
        await ws.send('42["message","upgraded"]')
        await ws.expect('42["message-back","upgraded"]')
        await ws.close()
    await assert_sio_server_alive(sio_server)
