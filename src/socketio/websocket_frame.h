// RFC 6455 framing for the server side: client frames read into messages where they
// lie, server frame headers written. No I/O here, so every byte a client can send
// is reachable from a test or a fuzzer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sts::socketio::ws {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// The close codes this server sends (RFC 6455 §7.4.1).
enum class CloseCode : std::uint16_t {
  normal = 1000,
  protocol_error = 1002,
  invalid_payload = 1007,
  too_big = 1009,
};

// XORs `data` with the 4-byte masking key, `data[0]` being payload byte `offset`.
void unmask(char* data, std::size_t size, std::array<char, 4> key, std::size_t offset = 0);

// The header of an unmasked (server) frame with FIN set: 2, 4 or 10 bytes.
struct FrameHeader {
  std::array<char, 10> bytes{};
  std::size_t size = 0;
  std::string_view view() const { return {bytes.data(), size}; }
};
FrameHeader server_frame_header(Opcode opcode, std::size_t payload_size);

// Turns the bytes a client sent into messages and control frames. It works on the
// receive buffer itself: payloads are unmasked in place, and the fragments of a
// message are moved together behind its first, so a one-frame message (the usual
// case) is never copied. The caller appends what it receives to the buffer and
// calls next() until it returns need_more.
class MessageAssembler {
 public:
  enum class Kind { need_more, message, ping, close, error };
  struct Event {
    Kind kind = Kind::need_more;
    // need_more: the buffer size at which next() can make progress.
    std::size_t needed = 0;
    // message, ping, close: the payload as offsets into the buffer (stable if the
    // buffer moves), and whether a message is binary.
    std::size_t begin = 0;
    std::size_t end = 0;
    bool binary = false;
    // error: the code to close the connection with.
    CloseCode close_code = CloseCode::protocol_error;
  };

  explicit MessageAssembler(std::size_t max_message_bytes);

  Event next(std::span<char> buffer);
  // Bytes at the buffer's front that no later event refers to; the caller drops them
  // after it is done with the last event, before it calls next() again.
  std::size_t release();

 private:
  // A data frame's payload joined to its message; the message once it is complete.
  std::optional<Event> frame_payload(std::span<char> buffer, Opcode opcode, bool fin, std::size_t begin,
                                     std::size_t size);

  const std::size_t max_message_bytes_;
  std::size_t parsed_ = 0;  // bytes of the buffer whose frames have been handled
  bool in_message_ = false;
  Opcode message_opcode_ = Opcode::text;
  std::size_t message_begin_ = 0;
  std::size_t message_end_ = 0;
};

// A close frame's payload as received: the code (1005, "no status", when absent) or
// nothing if the payload breaks RFC 6455 §5.5.1 / §7.4.
struct ClosePayload {
  std::uint16_t code = 1005;
  bool valid = true;
};
ClosePayload parse_close_payload(std::string_view payload);

}  // namespace sts::socketio::ws
