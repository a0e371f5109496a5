"""Engine.IO v4 on the wire: handshake, request validation, payload encoding,
heartbeat, upgrade, CORS and maxPayload, checked with raw HTTP/WebSocket
against the fixture in --engineio-echo mode (every message comes back)."""

import asyncio
import json

import aiohttp
import pytest

from rawpeer import (
    PollingPeer,
    WsPeer,
    assert_eio_server_alive,
    eio_query,
    http_session,
    parse_open,
    skip_on_node,
)

OVERSIZED = 1_100_000  # > maxPayload (1,000,000)


async def http_status(http, method, url, params, **kw):
    async with http.request(method, url, params=params, **kw) as r:
        await r.read()
        return r.status


async def ws_handshake_status(http, url, params):
    """HTTP status of a refused WebSocket upgrade (or 101 if accepted)."""
    try:
        ws = await http.ws_connect(url, params=params, compress=0, timeout=3)
    except aiohttp.WSServerHandshakeError as e:
        return e.status
    await ws.close()
    return 101


# Handshake ------------------------------------------------------------------


async def test_websocket_handshake_sends_open_packet_with_fixture_settings(eio_server):
    async with http_session() as http:
        peer = await WsPeer.connect(http, eio_server)
        first = await peer.recv()
        # Exact shape: nothing but these five fields, no upgrades on websocket.
        info = parse_open(first, "websocket")
        assert first == (
            '0{"sid":"%s","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}'
            % info["sid"]
        )
        await peer.close()


async def test_polling_handshake_sends_open_packet_offering_websocket_upgrade(eio_server):
    async with http_session() as http:
        async with http.get(eio_server.http_base + eio_server.path, params=eio_query("polling")) as r:
            assert r.status == 200
            body = await r.text()
        info = parse_open(body, "polling")
        assert body == (
            '0{"sid":"%s","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}'
            % info["sid"]
        )


async def test_each_handshake_gets_a_distinct_sid(eio_server):
    async with http_session() as http:
        sids = set()
        for _ in range(3):
            _, info = await PollingPeer.open(http, eio_server)
            sids.add(info["sid"])
        assert len(sids) == 3


@pytest.mark.parametrize("path", ["/engine.io/", "/engine.io"])
@pytest.mark.parametrize("transport", ["polling", "websocket"])
async def test_engineio_path_works_with_and_without_trailing_slash(eio_server, path, transport):
    async with http_session() as http:
        if transport == "polling":
            peer, _ = await PollingPeer.open(http, eio_server, path=path)
            await peer.send("4hi")
            status, packets = await peer.get()
            while status == 200 and packets == ["2"]:
                await peer.send("3")
                status, packets = await peer.get()
            assert (status, packets) == (200, ["4hi"])
        else:
            peer = await WsPeer.connect(http, eio_server, path=path)
            parse_open(await peer.recv(), "websocket")
            await peer.send("4hi")
            await peer.expect("4hi")
            await peer.close()


async def test_health_endpoint_answers_200_json(eio_server, sio_server):
    async with http_session() as http:
        for server in (eio_server, sio_server):
            async with http.get(server.http_base + "/health") as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("application/json")
                json.loads(await r.text())


# Request validation ---------------------------------------------------------


@pytest.mark.parametrize(
    "eio",
    [None, "3", "5", "", "abc", "4.0"],
    ids=["missing", "3", "5", "empty", "abc", "4.0"],
)
async def test_polling_handshake_with_bad_eio_is_400(eio_server, eio):
    params = {"transport": "polling"}
    if eio is not None:
        params["EIO"] = eio
    async with http_session() as http:
        assert await http_status(http, "GET", eio_server.http_base + eio_server.path, params) == 400


@skip_on_node("engine.io completes the WebSocket upgrade before checking EIO, then drops the connection")
@pytest.mark.parametrize("eio", [None, "3", "abc"], ids=["missing", "3", "abc"])
async def test_websocket_handshake_with_bad_eio_is_400(eio_server, eio):
    params = {"transport": "websocket"}
    if eio is not None:
        params["EIO"] = eio
    async with http_session() as http:
        assert await ws_handshake_status(http, eio_server.ws_base + eio_server.path, params) == 400


@pytest.mark.parametrize("eio", [None, "3", "abc"], ids=["missing", "3", "abc"])
async def test_websocket_handshake_with_bad_eio_never_opens_a_session(eio_server, eio):
    params = {"transport": "websocket"}
    if eio is not None:
        params["EIO"] = eio
    async with http_session() as http:
        try:
            peer = await WsPeer.connect(http, eio_server, query=params)
        except aiohttp.WSServerHandshakeError as e:
            assert e.status == 400
            return
        seen = await peer.wait_closed()
        assert not any(isinstance(m, str) and m.startswith("0") for m in seen), seen
        await peer.close()


@pytest.mark.parametrize(
    "transport",
    [None, "", "foo", "Polling", "webtransport", "flashsocket"],
    ids=["missing", "empty", "foo", "wrong-case", "webtransport", "flashsocket"],
)
async def test_handshake_with_bad_transport_is_400(eio_server, transport):
    params = {"EIO": "4"}
    if transport is not None:
        params["transport"] = transport
    async with http_session() as http:
        assert await http_status(http, "GET", eio_server.http_base + eio_server.path, params) == 400


async def test_websocket_transport_without_upgrade_headers_is_400(eio_server):
    async with http_session() as http:
        status = await http_status(http, "GET", eio_server.http_base + eio_server.path, eio_query("websocket"))
        assert status == 400


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_polling_request_with_unknown_sid_is_400(eio_server, method):
    async with http_session() as http:
        kw = {"data": b"4hello"} if method == "POST" else {}
        status = await http_status(
            http, method, eio_server.http_base + eio_server.path, eio_query("polling", "no-such-sid"), **kw
        )
        assert status == 400


async def test_websocket_upgrade_with_unknown_sid_is_400(eio_server):
    async with http_session() as http:
        status = await ws_handshake_status(
            http, eio_server.ws_base + eio_server.path, eio_query("websocket", "no-such-sid")
        )
        assert status == 400


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_handshake_with_method_other_than_get_is_400(eio_server, method):
    async with http_session() as http:
        status = await http_status(http, method, eio_server.http_base + eio_server.path, eio_query("polling"))
        assert status == 400


@skip_on_node("engine.io answers 500 to a PUT/DELETE on an existing polling session")
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_polling_request_with_bad_method_on_open_session_is_400(eio_server, method):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        status = await http_status(http, method, peer.url, eio_query("polling", peer.sid))
        assert status == 400


async def test_polling_request_with_bad_eio_on_open_session_is_400(eio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        params = eio_query("polling", peer.sid)
        params["EIO"] = "3"
        assert await http_status(http, "GET", peer.url, params) == 400


# Messages -------------------------------------------------------------------


async def test_polling_payload_with_text_and_binary_packets_is_echoed(eio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        status = await peer.post(body="4hello\x1ebAQIDBA==\x1e4world")
        assert status == 200
        received = []
        while len(received) < 3:
            status, packets = await peer.get()
            assert status == 200, packets
            for p in packets:
                if p == "2":
                    await peer.send("3")
                else:
                    received.append(p)
        assert received == ["4hello", b"\x01\x02\x03\x04", "4world"]


async def test_polling_get_returns_binary_as_b_prefixed_base64(eio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        await peer.send(b"\x00\xff\x10")
        body = None
        while body is None or body == "2":
            if body == "2":
                await peer.send("3")
            async with http.get(peer.url, params=eio_query("polling", peer.sid)) as r:
                assert r.status == 200
                body = await r.text()
        assert body == "bAP8Q"


async def test_websocket_text_and_binary_messages_are_echoed_as_is(eio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, eio_server)
        await peer.send("4hello")
        await peer.expect("4hello")
        await peer.send("4")  # empty message is still a message
        await peer.expect("4")
        await peer.send("4héllo ☃ 😀")
        await peer.expect("4héllo ☃ 😀")
        # Binary in Engine.IO v4 over websocket: raw frame, no type prefix.
        await peer.send(b"\x01\x02\x03\x04")
        await peer.expect(b"\x01\x02\x03\x04")
        await peer.send(b"")
        await peer.expect(b"")
        await peer.close()


async def test_websocket_message_just_under_max_payload_is_delivered(eio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, eio_server)
        big = "4" + "x" * 999_000
        await peer.send(big)
        assert await peer.recv(timeout=10) == big
        await peer.close()


async def test_polling_and_websocket_sessions_do_not_see_each_others_messages(eio_server):
    async with http_session() as http:
        a, _ = await WsPeer.open(http, eio_server)
        b, _ = await WsPeer.open(http, eio_server)
        await a.send("4from-a")
        await b.send("4from-b")
        await a.expect("4from-a")
        await b.expect("4from-b")
        await a.close()
        await b.close()


# Heartbeat -------------------------------------------------------------------


async def test_server_pings_websocket_session_and_keeps_it_alive_on_pong(eio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, eio_server, auto_pong=False)
        # Several rounds: the session outlives pingInterval + pingTimeout
        # only because each ping is answered.
        for _ in range(4):
            await peer.expect("2")
            await peer.send("3")
        await peer.send("4alive")
        await peer.expect("4alive")
        await peer.close()


async def test_missed_pong_closes_websocket_session(eio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, eio_server, auto_pong=False)
        seen = await peer.wait_closed(timeout=3)
        assert "2" in seen, f"expected a ping before the close, got {seen!r}"
        await peer.close()


async def test_server_pings_polling_session_and_keeps_it_alive_on_pong(eio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        pings = 0
        while pings < 4:
            status, packets = await peer.get()
            assert status == 200, packets
            assert packets == ["2"], packets
            pings += 1
            await peer.send("3")
        await peer.send("4alive")
        status, packets = await peer.get()
        assert (status, packets) == (200, ["4alive"])


async def test_missed_pong_closes_polling_session(eio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        peer.start(auto_pong=False)
        seen = await peer.wait_closed(timeout=3)
        assert "2" in seen, f"expected a ping before the close, got {seen!r}"
        await peer.stop()
        # The sid is gone for good.
        status, _ = await peer.get()
        assert status == 400


async def test_duplicate_poll_closes_the_session(eio_server):
    """engine.io's answer to two polls at once: the held one gets a close packet, the
    other 400, and the sid is gone. Which of the two the server saw first does not
    matter, so the test needs no sleep to order them."""
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        await peer.send("4queued before the overlap")
        # Drain what the send produced so the next poll is held, not answered at once.
        assert await peer.get() == (200, ["4queued before the overlap"])
        first, second = await asyncio.gather(peer.get(), peer.get())
        answers = sorted([first, second], key=lambda answer: answer[0])
        assert answers[0] == (200, ["1"]), answers
        assert answers[1][0] == 400, answers
        assert (await peer.get())[0] == 400
        assert await peer.post(["4too late"]) == 400


# Close ------------------------------------------------------------------------


@skip_on_node("engine.io ignores a close packet on a websocket; its clients close the socket themselves")
async def test_client_close_packet_ends_websocket_session(eio_server):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, eio_server)
        await peer.send("1")
        await peer.wait_closed()
        await peer.close()


async def test_client_close_packet_ends_polling_session(eio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        assert await peer.post(["1"]) == 200
        status, body = await peer.get()
        # Either the sid is already unknown, or this poll carries the close.
        assert status == 400 or (status == 200 and "1" in body), (status, body)
        if status == 200:
            assert (await peer.get())[0] == 400


# Upgrade ------------------------------------------------------------------------


async def test_polling_session_upgrades_to_websocket(eio_server):
    async with http_session() as http:
        poll, _ = await PollingPeer.open(http, eio_server)
        # A real client keeps a poll outstanding while it probes.
        pending = asyncio.create_task(poll.get())
        ws = await WsPeer.connect(http, eio_server, sid=poll.sid)
        await ws.send("2probe")
        await ws.expect("3probe")
        # The server releases the held poll with a noop so the client can
        # stop polling; pings that raced ahead are answered on the way.
        for _ in range(10):  # bounded: a few pings may race ahead of the noop
            status, packets = await pending
            assert status == 200, packets
            if "6" in packets:
                assert set(packets) <= {"6", "2"}, packets
                break
            assert packets == ["2"], packets
            await poll.send("3")
            pending = asyncio.create_task(poll.get())
        else:
            raise AssertionError("the held poll never got the noop packet")
        await ws.send("5")
        await ws.send("4after upgrade")
        await ws.expect("4after upgrade")
        await ws.send(b"\x07\x08")
        await ws.expect(b"\x07\x08")
        # The polling transport is gone for this sid.
        status, _ = await poll.get()
        assert status == 400
        await ws.close()


async def test_messages_posted_before_upgrade_are_delivered(eio_server):
    async with http_session() as http:
        poll, _ = await PollingPeer.open(http, eio_server)
        await poll.send("4before upgrade")
        status, packets = await poll.get()
        while packets == ["2"]:
            await poll.send("3")
            status, packets = await poll.get()
        assert (status, packets) == (200, ["4before upgrade"])
        ws = await WsPeer.connect(http, eio_server, sid=poll.sid)
        await ws.send("2probe")
        await ws.expect("3probe")
        await ws.send("5")
        await ws.send("4after")
        await ws.expect("4after")
        await ws.close()


async def test_second_upgrade_of_an_upgraded_session_is_refused(eio_server):
    async with http_session() as http:
        poll, _ = await PollingPeer.open(http, eio_server)
        ws = await WsPeer.connect(http, eio_server, sid=poll.sid)
        await ws.send("2probe")
        await ws.expect("3probe")
        await ws.send("5")
        await ws.send("4x")
        await ws.expect("4x")
        # engine.io answers 400 or accepts then closes at once; both refuse.
        try:
            second = await WsPeer.connect(http, eio_server, sid=poll.sid)
        except aiohttp.WSServerHandshakeError as e:
            assert e.status == 400
        else:
            await second.wait_closed()
            await second.close()
        # The upgraded websocket itself is unaffected.
        await ws.send("4still here")
        await ws.expect("4still here")
        await ws.close()


# CORS ------------------------------------------------------------------------------


ORIGIN = "http://app.example.com:8080"


async def test_cors_preflight_reflects_origin_and_allows_credentials(eio_server):
    async with http_session() as http:
        async with http.options(
            eio_server.http_base + eio_server.path,
            params=eio_query("polling"),
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        ) as r:
            await r.read()
            assert 200 <= r.status < 300, r.status
            assert r.headers.get("Access-Control-Allow-Origin") == ORIGIN
            assert r.headers.get("Access-Control-Allow-Credentials") == "true"


async def test_cors_handshake_get_reflects_origin_and_allows_credentials(eio_server):
    async with http_session() as http:
        async with http.get(
            eio_server.http_base + eio_server.path, params=eio_query("polling"), headers={"Origin": ORIGIN}
        ) as r:
            body = await r.text()
            assert r.status == 200
            # "*" is not allowed together with credentials; it must be the origin.
            assert r.headers.get("Access-Control-Allow-Origin") == ORIGIN
            assert r.headers.get("Access-Control-Allow-Credentials") == "true"
        sid = parse_open(body, "polling")["sid"]
        async with http.post(
            eio_server.http_base + eio_server.path,
            params=eio_query("polling", sid),
            data=b"4cors",
            headers={"Origin": ORIGIN, "Content-Type": "text/plain;charset=UTF-8"},
        ) as r:
            await r.read()
            assert r.status == 200
            assert r.headers.get("Access-Control-Allow-Origin") == ORIGIN
            assert r.headers.get("Access-Control-Allow-Credentials") == "true"


# maxPayload --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["text", "binary"])
async def test_websocket_message_over_max_payload_closes_connection(eio_server, kind):
    async with http_session() as http:
        peer, _ = await WsPeer.open(http, eio_server)
        try:
            await peer.send("4" + "x" * OVERSIZED if kind == "text" else b"\x01" * OVERSIZED)
        except (aiohttp.ClientError, ConnectionError):
            # The server may close on the frame header, before the upload ends: that
            # is the refusal this test wants, seen from the sending side.
            pass
        else:
            seen = await peer.wait_closed(timeout=5)
            assert not any(len(m) > 1000 for m in seen), "oversized message was echoed"
        await peer.close()
    await assert_eio_server_alive(eio_server)


async def test_polling_post_over_max_payload_is_rejected(eio_server):
    async with http_session() as http:
        peer, _ = await PollingPeer.open(http, eio_server)
        try:
            status = await peer.post(body="4" + "x" * OVERSIZED)
        except (aiohttp.ClientError, ConnectionError):
            # Refusing by cutting the upload short is a rejection too.
            status = None
        assert status is None or not 200 <= status < 300, status
        # Node's engine.io answers 413 and keeps the session; other servers
        # may close it. Either way the oversized message must not be echoed.
        if await peer.post(["4marker"]) == 200:
            received = []
            while "4marker" not in received:
                status, packets = await peer.get()
                if status != 200:
                    break
                for p in packets:
                    if p == "2":
                        await peer.send("3")
                    else:
                        received.append(p)
            assert not any(len(p) > 1000 for p in received), "oversized payload was echoed"
    await assert_eio_server_alive(eio_server)
