#include "socketio/client_protocol.h"

#include <gtest/gtest.h>

namespace sts::socketio {
namespace {

constexpr const char* kOpen = R"(0{"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":5000})";

TEST(ClientProtocol, AnswersOpenWithConnectAndKeepsTheHeartbeat) {
  ClientProtocol protocol;
  const ClientStep step = protocol.on_text(kOpen);
  ASSERT_FALSE(step.closed);
  EXPECT_EQ(step.replies, std::vector<std::string>{"40"});
  EXPECT_EQ(protocol.open_info().sid, "abc");
  EXPECT_EQ(protocol.open_info().ping_interval.count(), 300);
  EXPECT_EQ(protocol.open_info().ping_timeout.count(), 200);
  EXPECT_EQ(protocol.open_info().max_payload, 5000u);
}

TEST(ClientProtocol, SendsAuthInConnect) {
  ClientProtocol protocol(util::Json{{"token", "k"}});
  EXPECT_EQ(protocol.on_text(kOpen).replies, std::vector<std::string>{R"(40{"token":"k"})"});
}

TEST(ClientProtocol, AcceptsAnOpenPacketWithoutMaxPayload) {
  ClientProtocol protocol;
  EXPECT_FALSE(protocol.on_text(R"(0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":5000})").closed);
  EXPECT_EQ(protocol.open_info().max_payload, 1'000'000u);
}

TEST(ClientProtocol, ConnectsThenHandsEventsUp) {
  ClientProtocol protocol;
  protocol.on_text(kOpen);
  EXPECT_TRUE(protocol.on_text(R"(40{"sid":"s1"})").connected);
  const ClientStep step = protocol.on_text(R"(42["stream:ready",{"max_inflight":3}])");
  ASSERT_TRUE(step.event);
  EXPECT_EQ((*step.event->data)[0], "stream:ready");
  EXPECT_EQ((*step.event->data)[1]["max_inflight"], 3);
}

TEST(ClientProtocol, AnswersPingsWithPongs) {
  ClientProtocol protocol;
  protocol.on_text(kOpen);
  EXPECT_EQ(protocol.on_text("2").replies, std::vector<std::string>{"3"});
  EXPECT_EQ(protocol.on_text("2probe").replies, std::vector<std::string>{"3probe"});
}

TEST(ClientProtocol, ReportsARefusedConnectionWithTheServersMessage) {
  ClientProtocol protocol;
  protocol.on_text(kOpen);
  const ClientStep step = protocol.on_text(R"(44{"message":"AUTH_FAILED"})");
  ASSERT_TRUE(step.closed);
  EXPECT_NE(step.closed->find("AUTH_FAILED"), std::string::npos);
  EXPECT_TRUE(protocol.closed());
}

TEST(ClientProtocol, EndsOnServerCloseOrDisconnect) {
  for (const char* last : {"1", "41"}) {
    ClientProtocol protocol;
    protocol.on_text(kOpen);
    protocol.on_text("40{\"sid\":\"s\"}");
    EXPECT_TRUE(protocol.on_text(last).closed) << last;
  }
}

TEST(ClientProtocol, RefusesWhatBreaksTheHandshakeOrFraming) {
  const std::vector<std::vector<std::string>> conversations = {
      {"40"},                                             // no open first
      {"0{}"},                                            // open without sid and heartbeat
      {"0[1]"},                                           // open that is not an object
      {kOpen, kOpen},                                     // opened twice
      {kOpen, R"(42["early",{}])"},                       // event before CONNECT
      {kOpen, "40{\"sid\":\"s\"}", "40{\"sid\":\"s\"}"},  // connected twice
      {kOpen, "40{\"sid\":\"s\"}", "4x"},                 // malformed Socket.IO packet
      {kOpen, "40{\"sid\":\"s\"}", "9"},                  // unknown Engine.IO type
      {kOpen, "40{\"sid\":\"s\"}", R"(42/other,["e",{}])"},
      {kOpen, "40{\"sid\":\"s\"}", R"(451-["e",{"_placeholder":true,"num":0}])"},
      {kOpen, "5"},
  };
  for (const auto& conversation : conversations) {
    ClientProtocol protocol;
    std::optional<std::string> closed;
    for (const auto& message : conversation) closed = protocol.on_text(message).closed;
    EXPECT_TRUE(closed) << conversation.back();
  }
}

TEST(ClientProtocol, RefusesBinaryMessages) {
  ClientProtocol protocol;
  protocol.on_text(kOpen);
  EXPECT_TRUE(protocol.on_binary().closed);
}

TEST(ClientProtocol, SaysNothingOnceClosed) {
  ClientProtocol protocol;
  protocol.on_text("1");
  const ClientStep step = protocol.on_text(kOpen);
  EXPECT_FALSE(step.closed);
  EXPECT_TRUE(step.replies.empty());
}

TEST(ClientProtocol, EncodesEvents) {
  EXPECT_EQ(ClientProtocol::event_message("stream:end", util::Json{{"stream_id", "s"}}),
            R"(42["stream:end",{"stream_id":"s"}])");
}

TEST(ServerUrl, ParsesHostPortAndPath) {
  auto url = parse_server_url("http://127.0.0.1:8000");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "8000");
  EXPECT_EQ(url->target(), "/socket.io/?EIO=4&transport=websocket");
  url = parse_server_url("ws://sts.example/dub/socket.io?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->path, "/dub/socket.io/");
  url = parse_server_url("http://[::1]:9000/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9000");
  EXPECT_EQ(url->path, "/socket.io/");
}

TEST(ServerUrl, RefusesWhatItCannotReach) {
  for (const char* text :
       {"", "127.0.0.1:8000", "https://host", "wss://host", "http://", "http://:80", "http://host:0",
        "http://host:65536", "http://host:80x", "http://host:", "http://[::1", "http://[::1]x", "http://user@host"}) {
    EXPECT_FALSE(parse_server_url(text)) << text;
  }
  EXPECT_NE(parse_server_url("https://host").error().find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace sts::socketio
