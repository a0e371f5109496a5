#include "socketio/engineio_packet.h"

#include <gtest/gtest.h>

namespace sts::socketio::eio {
namespace {

TEST(EngineIoPacket, DecodesTypeAndData) {
  const auto packet = decode_text("4hello");
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->type, PacketType::message);
  EXPECT_EQ(packet->data, "hello");
  EXPECT_EQ(decode_text("2probe")->type, PacketType::ping);
}

TEST(EngineIoPacket, RejectsEmptyAndUnknownTypes) {
  EXPECT_FALSE(decode_text(""));
  EXPECT_FALSE(decode_text("7"));
  EXPECT_FALSE(decode_text("x"));
}

TEST(EngineIoPacket, SplitsPollingPayloadOnRecordSeparator) {
  const auto packets = decode_payload(
      "4hello\x1e"
      "bAQIDBA==\x1e"
      "4world");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[0].data, "hello");
  EXPECT_TRUE((*packets)[1].binary);
  EXPECT_EQ((*packets)[1].data, "AQIDBA==");
  EXPECT_EQ((*packets)[2].data, "world");
}

TEST(EngineIoPacket, RejectsPayloadWithAnEmptyOrUnknownPacket) {
  EXPECT_FALSE(decode_payload(""));
  EXPECT_FALSE(decode_payload("4a\x1e"));
  EXPECT_FALSE(
      decode_payload("4a\x1e"
                     "9"));
}

TEST(EngineIoPacket, EncodesPollingPayloadWithBinaryAsBase64) {
  std::string body;
  append_to_payload(Packet::text(PacketType::message, "hello"), body);
  append_to_payload(Packet::binary_message({1, 2, 3, 4}), body);
  append_to_payload(Packet::text(PacketType::noop), body);
  EXPECT_EQ(body,
            "4hello\x1e"
            "bAQIDBA==\x1e"
            "6");
}

TEST(EngineIoPacket, SharedTextIsSentAndSizedLikeOwnedText) {
  const auto shared = std::make_shared<const std::string>("2[\"fragment:processed\",{}]");
  const Packet packet = Packet::shared_text(PacketType::message, shared);
  EXPECT_EQ(packet.size(), Packet::text(PacketType::message, *shared).size());
  std::string body;
  append_to_payload(packet, body);
  append_to_payload(packet, body);
  EXPECT_EQ(body,
            "42[\"fragment:processed\",{}]\x1e"
            "42[\"fragment:processed\",{}]");
  EXPECT_EQ(*shared, "2[\"fragment:processed\",{}]");
}

}  // namespace
}  // namespace sts::socketio::eio
