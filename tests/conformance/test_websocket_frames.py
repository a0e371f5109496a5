"""RFC 6455 framing as the server speaks it, frame by frame.

The Engine.IO layer above never sees these: pings and pongs, a message split into
fragments with a control frame between them, the closing handshake, and the close
codes for frames a client must not send. A raw socket is used because client
libraries will not send most of them.
"""

import asyncio
import base64
import os
import struct

import pytest

from rawpeer import DEFAULT_TIMEOUT, MAX_PAYLOAD, skip_on_node

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def client_frame(opcode, payload=b"", fin=True, rsv=0, masked=True, length_bytes=None):
    """One frame as a client sends it; `length_bytes` forces a longer length encoding."""
    size = len(payload)
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    mask_bit = 0x80 if masked else 0
    if length_bytes == 8 or (length_bytes is None and size > 0xFFFF):
        head += bytes([mask_bit | 127]) + struct.pack("!Q", size)
    elif length_bytes == 2 or (length_bytes is None and size >= 126):
        head += bytes([mask_bit | 126]) + struct.pack("!H", size)
    else:
        head += bytes([mask_bit | size])
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class RawWebSocket:
    """A websocket connection with nothing between the test and the bytes."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, server):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {server.path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), DEFAULT_TIMEOUT)
        assert head.startswith(b"HTTP/1.1 101"), head
        peer = cls(reader, writer)
        opcode, payload = await peer.next_frame()
        assert opcode == TEXT and payload.startswith(b"0{"), (opcode, payload)
        return peer

    async def send(self, *frames):
        self.writer.write(b"".join(frames))
        await self.writer.drain()

    async def next_frame(self):
        """The next frame other than an Engine.IO ping, which it answers."""
        while True:
            first, second = await self._read(2)
            assert second & 0x80 == 0, "server frames are never masked"
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", await self._read(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", await self._read(8))
            payload = await self._read(size)
            opcode = first & 0x0F
            assert first & 0x80, "the server never fragments"
            if opcode == TEXT and payload == b"2":
                await self.send(client_frame(TEXT, b"3"))
                continue
            return opcode, payload

    async def expect_close(self, code):
        opcode, payload = await self.next_frame()
        assert opcode == CLOSE, (opcode, payload[:80])
        assert payload[:2] == struct.pack("!H", code), payload
        # Then the server ends the TCP connection.
        assert await asyncio.wait_for(self.reader.read(), DEFAULT_TIMEOUT) == b""

    async def _read(self, size):
        return await asyncio.wait_for(self.reader.readexactly(size), DEFAULT_TIMEOUT)

    def close(self):
        self.writer.close()


async def test_ping_frame_is_answered_with_a_pong_carrying_its_payload(eio_server):
    peer = await RawWebSocket.open(eio_server)
    await peer.send(client_frame(PING, b"are you there"))
    assert await peer.next_frame() == (PONG, b"are you there")
    peer.close()


async def test_unsolicited_pong_frame_is_ignored(eio_server):
    peer = await RawWebSocket.open(eio_server)
    await peer.send(client_frame(PONG, b"x"), client_frame(TEXT, b"4after"))
    assert await peer.next_frame() == (TEXT, b"4after")
    peer.close()


async def test_fragmented_message_with_a_ping_between_fragments_is_one_message(eio_server):
    peer = await RawWebSocket.open(eio_server)
    await peer.send(
        client_frame(TEXT, b"4hel", fin=False),
        client_frame(PING, b"p"),
        client_frame(CONTINUATION, b"lo ", fin=False),
        client_frame(CONTINUATION, "wörld".encode()),
    )
    assert await peer.next_frame() == (PONG, b"p")
    assert await peer.next_frame() == (TEXT, "4hello wörld".encode())
    peer.close()


async def test_frames_split_across_writes_and_lengths_in_every_encoding_are_read(eio_server):
    peer = await RawWebSocket.open(eio_server)
    medium = b"4" + b"m" * 300
    large = b"4" + b"L" * 70_000
    stream = client_frame(TEXT, b"4short") + client_frame(TEXT, medium) + client_frame(TEXT, large)
    for at in range(0, len(stream), 4099):
        await peer.send(stream[at : at + 4099])
    assert await peer.next_frame() == (TEXT, b"4short")
    assert await peer.next_frame() == (TEXT, medium)
    assert await peer.next_frame() == (TEXT, large)
    peer.close()


async def test_close_frame_is_answered_with_its_code_and_the_connection_ends(eio_server):
    peer = await RawWebSocket.open(eio_server)
    await peer.send(client_frame(CLOSE, struct.pack("!H", 1001) + b"going away"))
    await peer.expect_close(1001)


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(client_frame(TEXT, b"4x", masked=False), id="unmasked"),
        pytest.param(client_frame(TEXT, b"4x", rsv=1), id="reserved-bit"),
        pytest.param(client_frame(0x3, b"4x"), id="reserved-opcode"),
        pytest.param(client_frame(PING, b"p" * 126), id="long-control-frame"),
        pytest.param(client_frame(PING, b"p", fin=False), id="fragmented-control-frame"),
        pytest.param(client_frame(CONTINUATION, b"4x"), id="continuation-without-message"),
        pytest.param(
            client_frame(TEXT, b"4x", length_bytes=2),
            id="non-minimal-length",
            marks=skip_on_node("ws accepts a length written in more bytes than it needs"),
        ),
        pytest.param(client_frame(TEXT, b"4a", fin=False) + client_frame(TEXT, b"4b"), id="message-inside-message"),
        pytest.param(client_frame(CLOSE, b"\x03"), id="one-byte-close-payload"),
        pytest.param(client_frame(CLOSE, struct.pack("!H", 1005)), id="reserved-close-code"),
    ],
)
async def test_frame_a_client_must_not_send_closes_with_protocol_error(eio_server, frame):
    peer = await RawWebSocket.open(eio_server)
    await peer.send(frame)
    await peer.expect_close(1002)


async def test_text_message_that_is_not_utf8_closes_with_invalid_payload(eio_server):
    peer = await RawWebSocket.open(eio_server)
    await peer.send(client_frame(TEXT, b"4\xff\xfe", fin=False), client_frame(CONTINUATION, b"ok"))
    await peer.expect_close(1007)


async def test_message_over_max_payload_closes_with_too_big_before_it_arrives(eio_server):
    peer = await RawWebSocket.open(eio_server)
    # The header alone announces too much: the server refuses at once, and drops
    # what the client goes on sending until the client has read why.
    frame = client_frame(BINARY, b"\x00" * (MAX_PAYLOAD + 1))
    await peer.send(frame[:14])
    await peer.send(frame[14 : 14 + 256 * 1024])
    await peer.expect_close(1009)

