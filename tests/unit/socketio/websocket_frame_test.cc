#include "socketio/websocket_frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sts::socketio::ws {
namespace {

constexpr std::array<char, 4> kKey{'\x12', '\x34', '\x56', '\x78'};

// A frame as a client sends it: masked with kKey.
std::string client_frame(Opcode opcode, std::string payload, bool fin = true) {
  std::string frame(1, static_cast<char>((fin ? 0x80 : 0) | static_cast<int>(opcode)));
  if (payload.size() < 126) {
    frame += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>(payload.size() >> 8);
    frame += static_cast<char>(payload.size() & 0xFF);
  } else {
    frame += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((payload.size() >> shift) & 0xFF);
  }
  frame.append(kKey.data(), 4);
  unmask(payload.data(), payload.size(), kKey);  // masking and unmasking are one XOR
  return frame + payload;
}

std::string_view payload_of(const std::string& buffer, const MessageAssembler::Event& event) {
  return std::string_view(buffer).substr(event.begin, event.end - event.begin);
}

TEST(WebSocketFrame, UnmaskGivesTheSameBytesAtEveryLengthAndOffset) {
  std::string original(300, '\0');
  for (std::size_t i = 0; i < original.size(); ++i) original[i] = static_cast<char>(i * 7 + 3);
  for (std::size_t offset = 0; offset < 4; ++offset) {
    for (std::size_t size : {0u, 1u, 7u, 31u, 32u, 33u, 64u, 299u}) {
      std::string data = original.substr(0, size);
      unmask(data.data(), data.size(), kKey, offset);
      for (std::size_t i = 0; i < size; ++i) {
        ASSERT_EQ(data[i], static_cast<char>(original[i] ^ kKey[(offset + i) % 4]))
            << size << " " << offset << " " << i;
      }
    }
  }
}

TEST(WebSocketFrame, ServerHeadersUseTheShortestLengthEncoding) {
  EXPECT_EQ(server_frame_header(Opcode::text, 125).view(), std::string_view("\x81\x7d", 2));
  EXPECT_EQ(server_frame_header(Opcode::binary, 126).view(), std::string_view("\x82\x7e\x00\x7e", 4));
  EXPECT_EQ(server_frame_header(Opcode::close, 0xFFFF).view(), std::string_view("\x88\x7e\xff\xff", 4));
  EXPECT_EQ(server_frame_header(Opcode::text, 0x10000).view(),
            std::string_view("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(WebSocketFrame, OneFrameMessageIsHandedOutWhereItLies) {
  MessageAssembler assembler(1000);
  std::string buffer = client_frame(Opcode::text, "4hello");
  const auto event = assembler.next(buffer);
  ASSERT_EQ(event.kind, MessageAssembler::Kind::message);
  EXPECT_FALSE(event.binary);
  EXPECT_EQ(event.begin, 6u);
  EXPECT_EQ(payload_of(buffer, event), "4hello");
  EXPECT_EQ(assembler.release(), buffer.size());
}

TEST(WebSocketFrame, AsksForTheWholeFrameOnceItsHeaderIsIn) {
  MessageAssembler assembler(100000);
  const std::string frame = client_frame(Opcode::binary, std::string(70000, 'x'));
  std::string buffer = frame.substr(0, 1);
  EXPECT_EQ(assembler.next(buffer).needed, 2u);
  buffer = frame.substr(0, 2);
  EXPECT_EQ(assembler.next(buffer).needed, 14u);
  buffer = frame.substr(0, 20);
  EXPECT_EQ(assembler.next(buffer).needed, frame.size());
  buffer = frame;
  const auto event = assembler.next(buffer);
  ASSERT_EQ(event.kind, MessageAssembler::Kind::message);
  EXPECT_TRUE(event.binary);
  EXPECT_EQ(payload_of(buffer, event), std::string(70000, 'x'));
}

TEST(WebSocketFrame, JoinsFragmentsAndReportsAPingBetweenThem) {
  MessageAssembler assembler(1000);
  std::string buffer = client_frame(Opcode::text, "4hel", false) + client_frame(Opcode::ping, "p") +
                       client_frame(Opcode::continuation, "lo", false) + client_frame(Opcode::pong, "ignored") +
                       client_frame(Opcode::continuation, " world");
  const auto ping = assembler.next(buffer);
  ASSERT_EQ(ping.kind, MessageAssembler::Kind::ping);
  EXPECT_EQ(payload_of(buffer, ping), "p");
  EXPECT_EQ(assembler.release(), 0u) << "the message's first fragment is still needed";
  const auto message = assembler.next(buffer);
  ASSERT_EQ(message.kind, MessageAssembler::Kind::message);
  EXPECT_EQ(payload_of(buffer, message), "4hello world");
  EXPECT_EQ(assembler.release(), buffer.size());
}

TEST(WebSocketFrame, ReportsCloseWithItsPayload) {
  MessageAssembler assembler(1000);
  std::string buffer = client_frame(Opcode::close, std::string("\x03\xe9", 2) + "bye");
  const auto event = assembler.next(buffer);
  ASSERT_EQ(event.kind, MessageAssembler::Kind::close);
  const auto close = parse_close_payload(payload_of(buffer, event));
  EXPECT_TRUE(close.valid);
  EXPECT_EQ(close.code, 1001);
}

TEST(WebSocketFrame, ClosePayloadsFollowRfc6455) {
  EXPECT_EQ(parse_close_payload("").code, 1005);
  EXPECT_TRUE(parse_close_payload("").valid);
  EXPECT_FALSE(parse_close_payload("\x03").valid);
  EXPECT_FALSE(parse_close_payload(std::string("\x03\xed", 2)).valid) << "1005 may not be sent";
  EXPECT_FALSE(parse_close_payload(std::string("\x03\xe8\xff", 3)).valid) << "reason not UTF-8";
  EXPECT_TRUE(parse_close_payload(std::string("\x0f\xa0", 2)).valid) << "4000, an application code";
  EXPECT_FALSE(parse_close_payload(std::string("\x13\x88", 2)).valid) << "5000 is out of range";
}

struct BadFrame {
  const char* name;
  std::string bytes;
  CloseCode code;
};

std::string with_first_byte(std::string frame, char first) {
  frame[0] = first;
  return frame;
}

std::string unmasked(std::string frame) {
  frame[1] = static_cast<char>(frame[1] & 0x7F);
  return frame;
}

TEST(WebSocketFrame, RefusesFramesAClientMustNotSend) {
  // Five bytes announced in the two-byte form that begins at 126.
  const std::string non_minimal = std::string("\x81\xfe\x00\x05", 4) + std::string(kKey.data(), 4) + "4abcd";
  const std::vector<BadFrame> frames{
      {"unmasked", unmasked(client_frame(Opcode::text, "4x")), CloseCode::protocol_error},
      {"reserved bit", with_first_byte(client_frame(Opcode::text, "4x"), '\xc1'), CloseCode::protocol_error},
      {"reserved opcode", with_first_byte(client_frame(Opcode::text, "4x"), '\x83'), CloseCode::protocol_error},
      {"long control", client_frame(Opcode::ping, std::string(126, 'p')), CloseCode::protocol_error},
      {"fragmented control", client_frame(Opcode::ping, "p", false), CloseCode::protocol_error},
      {"stray continuation", client_frame(Opcode::continuation, "x"), CloseCode::protocol_error},
      {"message in message", client_frame(Opcode::text, "a", false) + client_frame(Opcode::text, "b"),
       CloseCode::protocol_error},
      {"non-minimal length", non_minimal, CloseCode::protocol_error},
      {"too big", client_frame(Opcode::binary, std::string(1001, 'b')).substr(0, 8), CloseCode::too_big},
      {"too big in fragments",
       client_frame(Opcode::binary, std::string(600, 'b'), false) +
           client_frame(Opcode::continuation, std::string(401, 'b')),
       CloseCode::too_big},
      {"invalid UTF-8", client_frame(Opcode::text, "4\xff", false) + client_frame(Opcode::continuation, "ok"),
       CloseCode::invalid_payload},
  };
  for (const auto& frame : frames) {
    MessageAssembler assembler(1000);
    std::string buffer = frame.bytes;
    const auto event = assembler.next(buffer);
    EXPECT_EQ(event.kind, MessageAssembler::Kind::error) << frame.name;
    EXPECT_EQ(event.close_code, frame.code) << frame.name;
  }
}

TEST(WebSocketFrame, BinaryMessagesNeedNotBeUtf8) {
  MessageAssembler assembler(1000);
  std::string buffer = client_frame(Opcode::binary, "\xff\xfe");
  EXPECT_EQ(assembler.next(buffer).kind, MessageAssembler::Kind::message);
}

TEST(WebSocketFrame, BoundsTheBytesHeldBetweenAMessagesFragments) {
  MessageAssembler assembler(1 << 24);
  std::string buffer = client_frame(Opcode::binary, "x", false);
  // One-byte fragments hold seven bytes each until the message ends.
  const std::string fragment = client_frame(Opcode::continuation, "x", false);
  while (buffer.size() < (1 << 21)) buffer += fragment;
  const auto event = assembler.next(buffer);
  EXPECT_EQ(event.kind, MessageAssembler::Kind::error);
  EXPECT_EQ(event.close_code, CloseCode::too_big);
}

}  // namespace
}  // namespace sts::socketio::ws
