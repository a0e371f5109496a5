// Socket.IO v5 packets: `<type>[<attachments>-][<nsp>,][<id>][<json>]`, and the binary
// placeholders ({"_placeholder":true,"num":N}) that stand for attachments sent as
// separate Engine.IO binary messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "util/json.h"

namespace sts::socketio::sio {

using util::Json;

enum class PacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct Packet {
  PacketType type = PacketType::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id;
  std::optional<Json> data;  // absent when the packet carries none (e.g. "40", "41")
  std::size_t attachments = 0;
};

using Attachment = std::vector<std::uint8_t>;

// Upper bound on attachments announced by one packet: more is treated as malformed
// rather than letting a peer make the server wait for (and buffer) thousands.
inline constexpr std::size_t kMaxAttachments = 1000;

// Decodes and validates one packet as socket.io-parser does: the payload shape must fit
// the type (events: a non-empty array whose first element is a non-reserved name).
tl::expected<Packet, std::string> decode(std::string_view text, std::size_t readable_past_end = 0);

// Encodes a packet's text part. Binary packets must already carry placeholders
// (see extract_attachments) and the matching `attachments` count.
std::string encode(const Packet& packet);

// Replaces every binary value inside `data` by a placeholder, returning the
// attachments in placeholder order.
std::vector<Attachment> extract_attachments(Json& data);

// Puts attachments back where their placeholders stand; fails on a placeholder whose
// index is out of range, or on attachments no placeholder refers to.
tl::expected<void, std::string> restore_attachments(Json& data, std::vector<Attachment>& attachments);

bool is_reserved_event_name(std::string_view name);

}  // namespace sts::socketio::sio
