#include "socketio/websocket_frame.h"

#include <cstring>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "util/cpu.h"
#include "util/json.h"

namespace sts::socketio::ws {
namespace {

// Headers and control frames between a message's fragments stay in the buffer until
// the message is complete; this bounds them, against a client sending a message in
// one-byte fragments.
constexpr std::size_t kMaxHeldOverhead = 1 << 20;
constexpr std::size_t kMaxControlPayload = 125;

#if defined(__x86_64__)
// `key` already rotated to the phase of data[0]; returns the bytes done (a multiple of 32).
__attribute__((target("avx2"))) std::size_t unmask_avx2(char* data, std::size_t size, std::array<char, 4> key) {
  std::uint32_t word = 0;
  std::memcpy(&word, key.data(), 4);
  const __m256i mask = _mm256_set1_epi32(static_cast<int>(word));
  std::size_t done = 0;
  for (; done + 32 <= size; done += 32) {
    auto* at = reinterpret_cast<__m256i*>(data + done);
    _mm256_storeu_si256(at, _mm256_xor_si256(_mm256_loadu_si256(at), mask));
  }
  return done;
}
#endif

bool is_known_opcode(std::uint8_t bits) { return bits <= 2 || (bits >= 8 && bits <= 10); }

bool is_sendable_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

}  // namespace

void unmask(char* data, std::size_t size, std::array<char, 4> key, std::size_t offset) {
  const std::array<char, 4> rotated{key[offset % 4], key[(offset + 1) % 4], key[(offset + 2) % 4],
                                    key[(offset + 3) % 4]};
  std::size_t done = 0;
#if defined(__x86_64__)
  if (size >= 32 && util::has_avx2()) done = unmask_avx2(data, size, rotated);
#endif
  std::uint64_t wide = 0;
  std::memcpy(&wide, rotated.data(), 4);
  std::memcpy(reinterpret_cast<char*>(&wide) + 4, rotated.data(), 4);
  for (; done + 8 <= size; done += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, data + done, 8);
    word ^= wide;
    std::memcpy(data + done, &word, 8);
  }
  for (; done < size; ++done) data[done] = static_cast<char>(data[done] ^ rotated[done % 4]);
}

FrameHeader server_frame_header(Opcode opcode, std::size_t payload_size) {
  FrameHeader header;
  header.bytes[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (payload_size < 126) {
    header.bytes[1] = static_cast<char>(payload_size);
    header.size = 2;
  } else if (payload_size <= 0xFFFF) {
    header.bytes[1] = 126;
    header.bytes[2] = static_cast<char>(payload_size >> 8);
    header.bytes[3] = static_cast<char>(payload_size);
    header.size = 4;
  } else {
    header.bytes[1] = 127;
    for (std::size_t i = 0; i < 8; ++i) {
      header.bytes[2 + i] = static_cast<char>(std::uint64_t{payload_size} >> (56 - 8 * i));
    }
    header.size = 10;
  }
  return header;
}

MessageAssembler::MessageAssembler(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

MessageAssembler::Event MessageAssembler::next(std::span<char> buffer) {
  const auto fail = [](CloseCode code) {
    Event event{.kind = Kind::error};
    event.close_code = code;
    return event;
  };
  const auto need = [](std::size_t size) { return Event{.kind = Kind::need_more, .needed = size}; };
  for (;;) {
    const auto* frame = reinterpret_cast<const unsigned char*>(buffer.data()) + parsed_;
    const std::size_t available = buffer.size() - parsed_;
    if (available < 2) return need(parsed_ + 2);
    const bool fin = (frame[0] & 0x80) != 0;
    const std::uint8_t opcode_bits = frame[0] & 0x0F;
    // No extension is negotiated, so every reserved bit must be clear; clients must mask.
    if ((frame[0] & 0x70) != 0 || !is_known_opcode(opcode_bits) || (frame[1] & 0x80) == 0) {
      return fail(CloseCode::protocol_error);
    }
    std::uint64_t length = frame[1] & 0x7F;
    const std::size_t header = length == 126 ? 8 : length == 127 ? 14 : 6;
    if (available < header) return need(parsed_ + header);
    if (length == 126) {
      length = std::uint64_t{frame[2]} << 8 | frame[3];
      if (length < 126) return fail(CloseCode::protocol_error);
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; ++i) length = length << 8 | frame[2 + i];
      if (length <= 0xFFFF || (length >> 63) != 0) return fail(CloseCode::protocol_error);
    }
    const auto opcode = static_cast<Opcode>(opcode_bits);
    const bool control = (opcode_bits & 0x08) != 0;
    if (control) {
      if (!fin || length > kMaxControlPayload) return fail(CloseCode::protocol_error);
    } else {
      if ((opcode == Opcode::continuation) != in_message_) return fail(CloseCode::protocol_error);
      const std::size_t so_far = in_message_ ? message_end_ - message_begin_ : 0;
      if (length > max_message_bytes_ - so_far) return fail(CloseCode::too_big);
    }
    if (in_message_ && parsed_ - message_end_ > kMaxHeldOverhead) return fail(CloseCode::too_big);
    const std::size_t begin = parsed_ + header;
    const std::size_t end = begin + static_cast<std::size_t>(length);
    if (buffer.size() < end) return need(end);
    std::array<char, 4> key{};
    std::memcpy(key.data(), frame + header - 4, 4);
    unmask(buffer.data() + begin, end - begin, key);
    parsed_ = end;
    if (opcode == Opcode::pong) continue;
    if (control) {
      return Event{.kind = opcode == Opcode::ping ? Kind::ping : Kind::close, .begin = begin, .end = end};
    }
    if (auto event = frame_payload(buffer, opcode, fin, begin, end - begin)) return *event;
  }
}

std::optional<MessageAssembler::Event> MessageAssembler::frame_payload(std::span<char> buffer, Opcode opcode, bool fin,
                                                                       std::size_t begin, std::size_t size) {
  if (!in_message_) {
    in_message_ = true;
    message_opcode_ = opcode;
    message_begin_ = begin;
    message_end_ = begin + size;
  } else {
    std::memmove(buffer.data() + message_end_, buffer.data() + begin, size);
    message_end_ += size;
  }
  if (!fin) return std::nullopt;
  in_message_ = false;
  const bool binary = message_opcode_ == Opcode::binary;
  if (!binary && !util::valid_utf8({buffer.data() + message_begin_, message_end_ - message_begin_})) {
    Event event{.kind = Kind::error};
    event.close_code = CloseCode::invalid_payload;
    return event;
  }
  return Event{.kind = Kind::message, .begin = message_begin_, .end = message_end_, .binary = binary};
}

std::size_t MessageAssembler::release() {
  if (in_message_) return 0;
  return std::exchange(parsed_, 0);
}

ClosePayload parse_close_payload(std::string_view payload) {
  if (payload.empty()) return {};
  if (payload.size() < 2) return {.valid = false};
  const auto code =
      static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 | static_cast<unsigned char>(payload[1]));
  return {.code = code, .valid = is_sendable_close_code(code) && util::valid_utf8(payload.substr(2))};
}

}  // namespace sts::socketio::ws
