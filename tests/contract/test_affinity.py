"""The affinity cookie (docs/protocol.md §2, "A stream outlives its connection"): every
Engine.IO handshake response sets it, polling and direct websocket alike; a client that
presents one keeps it; the production worker's own client (python-socketio on aiohttp,
websocket only, to a host name) stores it for its reconnects."""
import re

import aiohttp
import socketio

COOKIE = re.compile(r"^sts_affinity=([A-Za-z0-9_-]{20}); Path=/; HttpOnly$")


def handshake_url(server, transport):
    return f"{server.url}/socket.io/?EIO=4&transport={transport}"


async def set_cookie_of_polling_handshake(server, headers=None):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.get(handshake_url(server, "polling"), headers=headers) as response:
            assert response.status == 200
            return response.headers.get("Set-Cookie", "")


async def test_every_polling_handshake_sets_a_new_affinity_key(server):
    first = COOKIE.match(await set_cookie_of_polling_handshake(server))
    second = COOKIE.match(await set_cookie_of_polling_handshake(server))
    assert first and second
    assert first.group(1) != second.group(1)


async def test_a_client_that_presents_its_key_keeps_it(server):
    kept = await set_cookie_of_polling_handshake(server, {"Cookie": "theme=dark; sts_affinity=worker-7_key"})
    assert kept == "sts_affinity=worker-7_key; Path=/; HttpOnly"
    # A value the server could not have made is not a key: a new one replaces it.
    replaced = COOKIE.match(await set_cookie_of_polling_handshake(server, {"Cookie": "sts_affinity=a%20b"}))
    assert replaced


async def test_a_direct_websocket_handshake_sets_it_too(server):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.ws_connect(handshake_url(server, "websocket").replace("http", "ws", 1)) as ws:
            assert COOKIE.match(ws._response.headers.get("Set-Cookie", ""))
            await ws.close()


async def test_the_production_workers_client_stores_it_for_a_host_name(server):
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(f"http://localhost:{server.port}", transports=["websocket"])
    try:
        cookies = {cookie.key: cookie.value for cookie in client.eio.http.cookie_jar}
        assert re.fullmatch(r"[A-Za-z0-9_-]{20}", cookies.get("sts_affinity", "")), cookies
    finally:
        await client.disconnect()


async def test_an_empty_cookie_name_sets_none(start_server):
    server = start_server(STS_AFFINITY_COOKIE="")
    assert await set_cookie_of_polling_handshake(server) == ""
