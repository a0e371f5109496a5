// Engine.IO v4 packets: the single-character type prefix, and the polling payload that
// joins packets with the 0x1e record separator (binary ones as "b" + base64).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

namespace sts::socketio::eio {

enum class PacketType : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

// An outgoing packet owns its data; incoming ones are parsed as views (PacketView) so a
// megabyte message is not copied before the Socket.IO layer reads it.
struct Packet {
  PacketType type = PacketType::message;
  bool binary = false;
  std::string data;                 // text packets
  std::vector<std::uint8_t> bytes;  // binary packets (always messages)
  // A text packet's data kept by its producer too (a result that a retry may re-send):
  // queued and written without a copy.
  std::shared_ptr<const std::string> shared_data;

  static Packet text(PacketType type, std::string data = {}) { return {type, false, std::move(data), {}, {}}; }
  static Packet shared_text(PacketType type, std::shared_ptr<const std::string> data) {
    return {type, false, {}, {}, std::move(data)};
  }
  static Packet binary_message(std::vector<std::uint8_t> bytes) {
    return {PacketType::message, true, {}, std::move(bytes), {}};
  }
  std::string_view text_data() const { return shared_data ? std::string_view(*shared_data) : std::string_view(data); }
  std::size_t size() const { return binary ? bytes.size() : text_data().size() + 1; }
};

struct PacketView {
  PacketType type = PacketType::message;
  bool binary = false;
  std::string_view data;  // for binary packets received over polling: still base64
};

inline constexpr char kRecordSeparator = '\x1e';

// A websocket text frame: type character followed by the data.
tl::expected<PacketView, std::string> decode_text(std::string_view frame);

// A polling request body. Binary packets keep their base64 text in `data`; the caller
// decodes it (decode_binary) so that failure is reported once, in one place.
tl::expected<std::vector<PacketView>, std::string> decode_payload(std::string_view body);

// Appends `packet` to a polling response body, separator included when not first.
void append_to_payload(const Packet& packet, std::string& body);

}  // namespace sts::socketio::eio
