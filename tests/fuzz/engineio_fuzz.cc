// Engine.IO decoding: websocket text frames and polling payloads, binary packets
// decoded from base64 as the polling POST handler does; base64 validation against
// decoding; the handshake's query string and affinity cookie.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "socketio/engineio_packet.h"
#include "socketio/http_util.h"
#include "util/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)sts::socketio::eio::decode_text(input);
  (void)sts::socketio::parse_query(input);
  // A key taken from the Cookie header goes back out in Set-Cookie: it must be a token.
  if (const auto key = sts::socketio::cookie_value(input, "sts_affinity"); !key.empty()) {
    if (key.size() > 64 || !sts::socketio::is_base64url(key)) __builtin_trap();
  }
  // Validation must accept exactly what decoding accepts: the server acks raw PCM on it.
  const auto decoded_size = sts::util::base64_decoded_size(input);
  const auto decoded = sts::util::base64_decode(input);
  if (decoded_size.has_value() != decoded.has_value() || (decoded_size && *decoded_size != decoded->size())) {
    __builtin_trap();
  }
  if (auto packets = sts::socketio::eio::decode_payload(input)) {
    std::string reencoded;
    for (const auto& packet : *packets) {
      if (packet.binary) {
        if (auto bytes = sts::util::base64_decode(packet.data)) {
          sts::socketio::eio::append_to_payload(sts::socketio::eio::Packet::binary_message(std::move(*bytes)),
                                                reencoded);
        }
      } else {
        sts::socketio::eio::append_to_payload(sts::socketio::eio::Packet::text(packet.type, std::string(packet.data)),
                                              reencoded);
      }
    }
  }
  return 0;
}
