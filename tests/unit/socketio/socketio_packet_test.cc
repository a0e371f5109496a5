#include "socketio/socketio_packet.h"

#include <gtest/gtest.h>

namespace sts::socketio::sio {
namespace {

TEST(SocketIoPacket, DecodesConnectWithAndWithoutAuth) {
  auto plain = decode("0");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->type, PacketType::connect);
  EXPECT_EQ(plain->nsp, "/");
  EXPECT_FALSE(plain->data);
  auto with_auth = decode(R"(0/custom,{"token":"123"})");
  ASSERT_TRUE(with_auth);
  EXPECT_EQ(with_auth->nsp, "/custom");
  EXPECT_EQ((*with_auth->data)["token"], "123");
}

TEST(SocketIoPacket, DecodesEventWithAckId) {
  auto packet = decode(R"(2/admin,456["message-with-ack",1])");
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->type, PacketType::event);
  EXPECT_EQ(packet->nsp, "/admin");
  EXPECT_EQ(packet->id, 456u);
  EXPECT_EQ(*packet->data, Json::parse(R"(["message-with-ack",1])"));
}

TEST(SocketIoPacket, DecodesBinaryEventAttachmentCount) {
  auto packet = decode(R"(51-["message",{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->type, PacketType::binary_event);
  EXPECT_EQ(packet->attachments, 1u);
}

TEST(SocketIoPacket, RejectsMalformedPackets) {
  for (const char* text :
       {"", "7", "a", "2", "2{}", "2[]", "2[1", R"(2["connect"])", "1{}", "0[]", "0\"x\"", "3[1]", "5-[\"a\"]",
        "5x-[\"a\"]", "50-[\"a\"]", "51001-[\"a\"]", "4", "2[true]", "299999999999999999999999[\"a\"]"}) {
    EXPECT_FALSE(decode(text)) << text;
  }
}

TEST(SocketIoPacket, EncodesNamespaceIdAndData) {
  Packet packet{PacketType::ack, "/custom", 12, Json::array({1, "2"}), 0};
  EXPECT_EQ(encode(packet), R"(3/custom,12[1,"2"])");
  EXPECT_EQ(encode(Packet{PacketType::connect, "/", std::nullopt, Json{{"sid", "x"}}, 0}), R"(0{"sid":"x"})");
  EXPECT_EQ(encode(Packet{PacketType::disconnect, "/", std::nullopt, std::nullopt, 0}), "1");
}

TEST(SocketIoPacket, ExtractsAndRestoresNestedAttachments) {
  Json data = Json::array({"message", Json::binary({1, 2}), Json{{"inner", Json::binary({3})}}});
  auto attachments = extract_attachments(data);
  ASSERT_EQ(attachments.size(), 2u);
  EXPECT_EQ(data[1], Json::parse(R"({"_placeholder":true,"num":0})"));
  EXPECT_EQ(encode(Packet{PacketType::binary_event, "/", std::nullopt, data, 2}),
            R"(52-["message",{"_placeholder":true,"num":0},{"inner":{"_placeholder":true,"num":1}}])");
  ASSERT_TRUE(restore_attachments(data, attachments));
  const std::vector<std::uint8_t>& inner = data[2]["inner"].get_binary();
  EXPECT_EQ(inner, std::vector<std::uint8_t>({3}));
}

TEST(SocketIoPacket, RestoreRejectsOutOfRangeAndUnusedAttachments) {
  Json out_of_range = Json::parse(R"(["m",{"_placeholder":true,"num":1}])");
  std::vector<Attachment> one{{1}};
  EXPECT_FALSE(restore_attachments(out_of_range, one));
  Json unused = Json::parse(R"(["m"])");
  std::vector<Attachment> extra{{1}};
  EXPECT_FALSE(restore_attachments(unused, extra));
}

}  // namespace
}  // namespace sts::socketio::sio
