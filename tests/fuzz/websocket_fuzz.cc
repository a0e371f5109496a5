// Websocket frames from a client, fed to the assembler in the pieces the first input
// byte chooses, as the connection does: every event must point inside the buffer,
// and a text message must be UTF-8. Also holds the vectorised unmask to the plain one.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "socketio/websocket_frame.h"
#include "util/json.h"

namespace {

void check_unmask(std::string_view input) {
  if (input.size() < 5) return;
  const std::array<char, 4> key{input[0], input[1], input[2], input[3]};
  const std::size_t offset = static_cast<unsigned char>(input[4]) % 4;
  std::string data(input.substr(5));
  sts::socketio::ws::unmask(data.data(), data.size(), key, offset);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] != static_cast<char>(input[5 + i] ^ key[(offset + i) % 4])) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_unmask(input);
  const std::size_t chunk = 1 + data[0] % 64;
  using sts::socketio::ws::MessageAssembler;
  MessageAssembler assembler(4096);
  std::string buffer;
  std::size_t fed = 0;
  while (fed < input.size()) {
    const std::size_t n = std::min(chunk, input.size() - fed);
    buffer.append(input.substr(fed, n));
    fed += n;
    for (;;) {
      const auto event = assembler.next(buffer);
      if (event.kind == MessageAssembler::Kind::need_more) {
        if (event.needed <= buffer.size()) __builtin_trap();
        break;
      }
      if (event.kind == MessageAssembler::Kind::error) return 0;
      if (event.begin > event.end || event.end > buffer.size()) __builtin_trap();
      const std::string_view payload(buffer.data() + event.begin, event.end - event.begin);
      if (event.kind == MessageAssembler::Kind::message && !event.binary && !sts::util::valid_utf8(payload)) {
        __builtin_trap();
      }
      if (event.kind == MessageAssembler::Kind::close) {
        (void)sts::socketio::ws::parse_close_payload(payload);
        return 0;
      }
      buffer.erase(0, assembler.release());
    }
  }
  return 0;
}
