#include "socketio/engineio_packet.h"

#include "util/base64.h"

namespace sts::socketio::eio {
namespace {

bool is_known_type(char c) { return c >= '0' && c <= '6'; }

}  // namespace

tl::expected<PacketView, std::string> decode_text(std::string_view frame) {
  if (frame.empty()) return tl::unexpected(std::string("empty Engine.IO packet"));
  if (!is_known_type(frame.front())) {
    return tl::unexpected("unknown Engine.IO packet type '" + std::string(1, frame.front()) + "'");
  }
  return PacketView{static_cast<PacketType>(frame.front()), false, frame.substr(1)};
}

tl::expected<std::vector<PacketView>, std::string> decode_payload(std::string_view body) {
  std::vector<PacketView> packets;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = body.find(kRecordSeparator, start);
    const std::string_view piece =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!piece.empty() && piece.front() == 'b') {
      packets.push_back(PacketView{PacketType::message, true, piece.substr(1)});
    } else {
      auto packet = decode_text(piece);
      if (!packet) return tl::unexpected(std::move(packet.error()));
      packets.push_back(*packet);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return packets;
}

void append_to_payload(const Packet& packet, std::string& body) {
  if (!body.empty()) body.push_back(kRecordSeparator);
  if (packet.binary) {
    body.push_back('b');
    util::base64_encode_append(packet.bytes, body);
  } else {
    body.push_back(static_cast<char>(packet.type));
    body += packet.text_data();
  }
}

}  // namespace sts::socketio::eio
