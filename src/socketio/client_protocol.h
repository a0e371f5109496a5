// The client side of Engine.IO v4 + Socket.IO v5 over a websocket, without the I/O:
// fed each message the server sends, it says what to answer and what happened. One
// namespace ("/") and text packets only: the STS protocol carries audio as base64 in
// JSON, never as binary attachments. Also the server address a client is given.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "socketio/socketio_packet.h"
#include "util/json.h"

namespace sts::socketio {

// What the server said in its Engine.IO open packet.
struct OpenInfo {
  std::string sid;
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1'000'000;
};

struct ClientStep {
  std::vector<std::string> replies;   // websocket text messages to send, in order
  bool connected = false;             // the server accepted the namespace CONNECT
  std::optional<sio::Packet> event;   // an EVENT: data is [name, arguments...]
  std::optional<std::string> closed;  // the connection is over; why, in words for a user
};

class ClientProtocol {
 public:
  // `auth` is the CONNECT payload (e.g. {"token": key}); null sends none.
  explicit ClientProtocol(util::Json auth = nullptr) : auth_(std::move(auth)) {}

  ClientStep on_text(std::string_view message);
  ClientStep on_binary();
  // Valid once the open packet has arrived: the heartbeat that bounds a silent server.
  const OpenInfo& open_info() const { return open_; }
  bool closed() const { return state_ == State::closed; }

  // A text message carrying EVENT `name` with one argument.
  static std::string event_message(std::string_view name, const util::Json& argument);
  // Leaves the namespace politely before the websocket closes.
  static constexpr std::string_view kDisconnectMessage = "41";

 private:
  enum class State { awaiting_open, awaiting_connect, connected, closed };
  ClientStep on_open(std::string_view data);
  ClientStep on_socketio(std::string_view data);
  ClientStep fail(std::string why);

  util::Json auth_;
  State state_ = State::awaiting_open;
  OpenInfo open_;
};

// Where a client connects: "http://host:port" or "ws://host:port", optionally with
// the Socket.IO path ("/socket.io/" by default). No TLS: https and wss are refused
// with a message saying so rather than failing obscurely later.
struct ServerUrl {
  std::string host;
  std::string port;
  std::string path = "/socket.io/";
  std::string text;  // as given, for messages

  // The websocket handshake's request target.
  std::string target() const { return path + "?EIO=4&transport=websocket"; }
};
tl::expected<ServerUrl, std::string> parse_server_url(std::string_view url);

}  // namespace sts::socketio
