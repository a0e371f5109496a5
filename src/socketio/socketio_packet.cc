#include "socketio/socketio_packet.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace sts::socketio::sio {
namespace {

tl::unexpected<std::string> malformed(std::string why) { return tl::unexpected("malformed Socket.IO packet: " + why); }

bool is_binary_type(PacketType type) { return type == PacketType::binary_event || type == PacketType::binary_ack; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses the run of digits at the front of `text`; nullopt on overflow.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  const auto digits = static_cast<std::size_t>(std::find_if_not(text.begin(), text.end(), is_digit) - text.begin());
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + digits, value);
  if (error != std::errc{}) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

tl::expected<void, std::string> validate_payload(const Packet& packet) {
  const auto& data = packet.data;
  switch (packet.type) {
    case PacketType::connect:
      if (data && !data->is_object()) return malformed("CONNECT payload must be an object");
      return {};
    case PacketType::disconnect:
      if (data) return malformed("DISCONNECT carries no payload");
      return {};
    case PacketType::connect_error:
      if (!data || !(data->is_object() || data->is_string()))
        return malformed("CONNECT_ERROR needs an object or string");
      return {};
    case PacketType::event:
    case PacketType::binary_event:
      if (!data || !data->is_array() || data->empty()) return malformed("EVENT payload must be a non-empty array");
      if (!(*data)[0].is_string() && !(*data)[0].is_number()) return malformed("event name must be a string");
      if ((*data)[0].is_string() && is_reserved_event_name((*data)[0].get_ref<const std::string&>())) {
        return malformed("reserved event name");
      }
      return {};
    case PacketType::ack:
    case PacketType::binary_ack:
      if (!packet.id) return malformed("ACK without an id");
      if (!data || !data->is_array()) return malformed("ACK payload must be an array");
      return {};
  }
  return malformed("unknown type");
}

bool is_placeholder(const Json& value) {
  if (!value.is_object() || value.size() != 2) return false;
  const auto flag = value.find("_placeholder");
  const auto num = value.find("num");
  return flag != value.end() && flag->is_boolean() && flag->get<bool>() && num != value.end() &&
         num->is_number_integer() && num->get<std::int64_t>() >= 0;
}

void extract_into(Json& value, std::vector<Attachment>& out) {
  if (value.is_binary()) {
    Attachment bytes = std::move(value.get_binary());
    value = Json{{"_placeholder", true}, {"num", out.size()}};
    out.push_back(std::move(bytes));
  } else if (value.is_array() || value.is_object()) {
    for (auto& child : value) extract_into(child, out);
  }
}

tl::expected<void, std::string> restore_into(Json& value, std::vector<Attachment>& attachments,
                                             std::vector<bool>& used) {
  if (is_placeholder(value)) {
    const auto num = static_cast<std::uint64_t>(value["num"].get<std::int64_t>());
    if (num >= attachments.size()) return malformed("placeholder index out of range");
    // A placeholder may legally repeat an index; only the first use can take the bytes.
    value = used[num] ? Json::binary(attachments[num]) : Json::binary(std::move(attachments[num]));
    used[num] = true;
    return {};
  }
  if (value.is_array() || value.is_object()) {
    for (auto& child : value) {
      if (auto restored = restore_into(child, attachments, used); !restored) return restored;
    }
  }
  return {};
}

}  // namespace

bool is_reserved_event_name(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kReserved = {"connect",       "connect_error", "disconnect",
                                                                "disconnecting", "newListener",   "removeListener"};
  return std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end();
}

tl::expected<Packet, std::string> decode(std::string_view text, std::size_t readable_past_end) {
  if (text.empty() || text.front() < '0' || text.front() > '6') return malformed("unknown packet type");
  Packet packet;
  packet.type = static_cast<PacketType>(text.front() - '0');
  text.remove_prefix(1);

  if (is_binary_type(packet.type)) {
    const auto count = take_number(text);
    if (!count || text.empty() || text.front() != '-') return malformed("bad attachment count");
    if (*count == 0 || *count > kMaxAttachments) return malformed("attachment count out of range");
    packet.attachments = static_cast<std::size_t>(*count);
    text.remove_prefix(1);
  }
  if (!text.empty() && text.front() == '/') {
    const std::size_t comma = text.find(',');
    packet.nsp = std::string(text.substr(0, comma));
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
  }
  if (!text.empty() && is_digit(text.front())) {
    packet.id = take_number(text);
    if (!packet.id) return malformed("ack id out of range");
  }
  if (!text.empty()) {
    auto data = util::parse_json(text, readable_past_end);
    if (!data) return malformed(data.error());
    packet.data = std::move(*data);
  }
  if (auto valid = validate_payload(packet); !valid) return tl::unexpected(valid.error());
  return packet;
}

std::string encode(const Packet& packet) {
  std::string out;
  out.push_back(static_cast<char>('0' + static_cast<int>(packet.type)));
  if (is_binary_type(packet.type)) {
    out += std::to_string(packet.attachments);
    out.push_back('-');
  }
  if (packet.nsp != "/") {
    out += packet.nsp;
    out.push_back(',');
  }
  if (packet.id) out += std::to_string(*packet.id);
  if (packet.data) util::write_json(*packet.data, out);
  return out;
}

std::vector<Attachment> extract_attachments(Json& data) {
  std::vector<Attachment> attachments;
  extract_into(data, attachments);
  return attachments;
}

tl::expected<void, std::string> restore_attachments(Json& data, std::vector<Attachment>& attachments) {
  std::vector<bool> used(attachments.size(), false);
  if (auto restored = restore_into(data, attachments, used); !restored) return restored;
  if (std::find(used.begin(), used.end(), false) != used.end()) return malformed("attachment without placeholder");
  return {};
}

}  // namespace sts::socketio::sio
