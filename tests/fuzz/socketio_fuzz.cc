// Socket.IO decoding as the server runs it: parse a packet (JSON included), restore
// attachments from a few fixed buffers, and encode the result again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "socketio/socketio_packet.h"
#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sio = sts::socketio::sio;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto packet = sio::decode(input);
  // The websocket reader's way, parsed where it lies with bytes past the end: the
  // same verdict whatever those bytes are.
  std::string padded(input);
  padded.append(sts::util::kJsonPadding, '\x22');
  if (sio::decode(std::string_view(padded).substr(0, size), sts::util::kJsonPadding).has_value() !=
      packet.has_value()) {
    __builtin_trap();
  }
  if (!packet) return 0;
  if (packet->attachments > 0 && packet->data) {
    std::vector<sio::Attachment> attachments(packet->attachments, sio::Attachment{1, 2, 3});
    (void)sio::restore_attachments(*packet->data, attachments);
    (void)sio::extract_attachments(*packet->data);
  }
  (void)sio::encode(*packet);
  return 0;
}
