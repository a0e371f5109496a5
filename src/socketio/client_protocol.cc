#include "socketio/client_protocol.h"

#include <charconv>

#include "socketio/engineio_packet.h"

namespace sts::socketio {
namespace {

// A positive integer member of the open packet, or nullopt.
std::optional<std::int64_t> positive(const util::Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) return std::nullopt;
  return it->get<std::int64_t>();
}

std::string refusal_text(const util::Json& data) {
  if (data.is_string()) return data.get<std::string>();
  if (const auto message = data.find("message"); message != data.end() && message->is_string()) {
    return message->get<std::string>();
  }
  return util::to_json(data);
}

}  // namespace

ClientStep ClientProtocol::fail(std::string why) {
  state_ = State::closed;
  ClientStep step;
  step.closed = std::move(why);
  return step;
}

ClientStep ClientProtocol::on_binary() {
  if (state_ == State::closed) return {};
  return fail("the server sent a binary message, which this client does not take");
}

ClientStep ClientProtocol::on_text(std::string_view message) {
  if (state_ == State::closed) return {};
  const auto packet = eio::decode_text(message);
  if (!packet) return fail("the server sent a malformed Engine.IO packet: " + packet.error());
  if (state_ == State::awaiting_open && packet->type != eio::PacketType::open) {
    return fail("the server did not open an Engine.IO session");
  }
  ClientStep step;
  switch (packet->type) {
    case eio::PacketType::open: return on_open(packet->data);
    case eio::PacketType::ping: step.replies.push_back("3" + std::string(packet->data)); return step;
    case eio::PacketType::pong:
    case eio::PacketType::noop: return step;
    case eio::PacketType::close: return fail("the server closed the session");
    case eio::PacketType::upgrade: return fail("the server sent an upgrade packet on a websocket");
    case eio::PacketType::message: return on_socketio(packet->data);
  }
  return fail("the server sent an unknown Engine.IO packet");
}

ClientStep ClientProtocol::on_open(std::string_view data) {
  if (state_ != State::awaiting_open) return fail("the server opened the Engine.IO session twice");
  const auto json = util::parse_json(data);
  if (!json || !json->is_object()) return fail("the server's Engine.IO open packet is not a JSON object");
  const auto sid = json->find("sid");
  const auto interval = positive(*json, "pingInterval");
  const auto timeout = positive(*json, "pingTimeout");
  if (sid == json->end() || !sid->is_string() || !interval || !timeout) {
    return fail("the server's Engine.IO open packet lacks sid, pingInterval or pingTimeout");
  }
  open_.sid = sid->get<std::string>();
  open_.ping_interval = std::chrono::milliseconds(*interval);
  open_.ping_timeout = std::chrono::milliseconds(*timeout);
  // python-engineio omits maxPayload; the protocol's default holds then.
  if (const auto max_payload = positive(*json, "maxPayload"))
    open_.max_payload = static_cast<std::size_t>(*max_payload);
  state_ = State::awaiting_connect;
  ClientStep step;
  sio::Packet connect{sio::PacketType::connect, "/", std::nullopt, std::nullopt, 0};
  if (!auth_.is_null()) connect.data = auth_;
  step.replies.push_back("4" + sio::encode(connect));
  return step;
}

ClientStep ClientProtocol::on_socketio(std::string_view data) {
  auto packet = sio::decode(data);
  if (!packet) return fail("the server sent a malformed Socket.IO packet: " + packet.error());
  if (packet->nsp != "/") return fail("the server sent a packet for namespace " + packet->nsp);
  ClientStep step;
  switch (packet->type) {
    case sio::PacketType::connect:
      if (state_ != State::awaiting_connect) return fail("the server sent CONNECT twice");
      state_ = State::connected;
      step.connected = true;
      return step;
    case sio::PacketType::connect_error:
      return fail("the server refused the connection: " + refusal_text(*packet->data));
    case sio::PacketType::disconnect: return fail("the server disconnected the client");
    case sio::PacketType::event:
      if (state_ != State::connected) return fail("the server sent an event before accepting the connection");
      step.event = std::move(*packet);
      return step;
    case sio::PacketType::ack: return step;  // this client asks for no acknowledgements
    case sio::PacketType::binary_event:
    case sio::PacketType::binary_ack: return on_binary();
  }
  return fail("the server sent an unknown Socket.IO packet");
}

std::string ClientProtocol::event_message(std::string_view name, const util::Json& argument) {
  std::string message = "42[";
  util::write_json(util::Json(name), message);
  message.push_back(',');
  util::write_json(argument, message);
  message.push_back(']');
  return message;
}

tl::expected<ServerUrl, std::string> parse_server_url(std::string_view url) {
  const auto bad = [&](const std::string& why) {
    return tl::unexpected("server URL '" + std::string(url) + "' " + why);
  };
  ServerUrl parsed;
  parsed.text = std::string(url);
  std::string_view rest = url;
  std::string port = "80";
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("ws://")) {
    rest.remove_prefix(5);
  } else if (rest.starts_with("https://") || rest.starts_with("wss://")) {
    return bad("needs TLS, which this client does not speak; use http:// or ws://");
  } else {
    return bad("must start with http:// or ws://");
  }
  const std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("must not carry user information");
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unterminated IPv6 address");
    parsed.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return bad("has text after its IPv6 address");
  } else {
    const std::size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    authority.remove_prefix(colon == std::string_view::npos ? authority.size() : colon);
  }
  if (parsed.host.empty()) return bad("has no host");
  if (!authority.empty()) {
    const std::string_view digits = authority.substr(1);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() || value == 0 || value > 65535) {
      return bad("has a port that is not a number from 1 to 65535");
    }
    port = std::string(digits);
  }
  parsed.port = port;
  // A path other than "/" names where the server mounts Socket.IO; query and fragment
  // belong to no Socket.IO URL and are dropped.
  if (const std::string_view mount = path.substr(0, path.find_first_of("?#")); mount.size() > 1) {
    parsed.path = std::string(mount);
    if (parsed.path.back() != '/') parsed.path.push_back('/');
  }
  return parsed;
}

}  // namespace sts::socketio
