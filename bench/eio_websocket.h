// A blocking Engine.IO v4 websocket connection, CONNECTed to the "/" namespace, for
// the bench load clients: it answers server pings while reading, and one thread
// may write while another reads.
//
// The framing is written out here rather than taken from Beast because the load
// generator shares the machine's two cores with the server it measures: it should
// cost as little as it can. It masks with one key per connection, so a payload
// sent many times (the bench's audio) is masked once, in advance (`prepare`); it
// does not check the UTF-8 of what it reads. A server sees frames as any client
// sends them: masked, and its own unmasking and checking costs are unchanged.
#pragma once

#include <sys/uio.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sts::bench {

class EioWebSocket {
 public:
  // A payload masked once for every offset it can start at within a message.
  class Prepared {
   public:
    std::string_view at_offset(std::size_t offset) const { return masked_[offset % 4]; }
    std::size_t size() const { return masked_[0].size(); }

   private:
    friend class EioWebSocket;
    std::array<std::string, 4> masked_;
  };

  EioWebSocket(const std::string& host, const std::string& port) : socket_(io_) {
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::asio::connect(socket_, resolver.resolve(host, port));
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
    std::random_device random;
    for (auto& byte : key_) byte = static_cast<char>(random());
    handshake(host);
    expect(read_text(), "0{");
    write_text("40");
    expect(read_text(), "40");
  }

  Prepared prepare(std::string_view payload) const {
    Prepared prepared;
    for (std::size_t offset = 0; offset < 4; ++offset) {
      prepared.masked_[offset].assign(payload);
      mask(prepared.masked_[offset].data(), prepared.masked_[offset].size(), offset);
    }
    return prepared;
  }

  // One text message: prefix, a prepared payload, suffix. The payload is not copied.
  void write_text_parts(std::string_view prefix, const Prepared& middle, std::string_view suffix) {
    const std::scoped_lock lock(write_mutex_);
    const std::size_t size = prefix.size() + middle.size() + suffix.size();
    header_.clear();
    append_header(kText, size);
    const std::size_t ends_at = header_.size();
    header_.append(prefix);
    mask(header_.data() + ends_at, prefix.size(), 0);
    trailer_.assign(suffix);
    mask(trailer_.data(), trailer_.size(), prefix.size() + middle.size());
    const std::string_view masked_middle = middle.at_offset(prefix.size());
    send({header_, masked_middle, trailer_});
  }
  void write_text(std::string_view text) { write_message(kText, text); }
  void write_binary(std::string_view bytes) { write_message(kBinary, bytes); }

  // The next message other than a ping; valid until the next read.
  std::string_view read() {
    for (;;) {
      const std::string_view message = read_message();
      if (!binary_ && message == "2") {
        write_text("3");
        continue;
      }
      return message;
    }
  }
  std::string_view read_text() {
    const std::string_view message = read();
    if (binary_) throw std::runtime_error("unexpected binary message");
    return message;
  }
  bool got_binary() const { return binary_; }

  void close() {
    const std::scoped_lock lock(write_mutex_);
    header_.clear();
    append_header(kClose, 2);
    const std::size_t ends_at = header_.size();
    header_.append("\x03\xe8", 2);  // 1000: normal closure
    mask(header_.data() + ends_at, 2, 0);
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(header_), ec);
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }

  static void expect(std::string_view text, std::string_view prefix) {
    if (!text.starts_with(prefix)) throw std::runtime_error("unexpected packet: " + std::string(text.substr(0, 120)));
  }

 private:
  static constexpr std::uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;

  void handshake(const std::string& host) {
    const std::string request = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + host +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    boost::asio::write(socket_, boost::asio::buffer(request));
    for (;;) {
      fill(1);
      const std::string_view seen(in_.data() + begin_, end_ - begin_);
      const auto header_end = seen.find("\r\n\r\n");
      if (header_end == std::string_view::npos) continue;
      if (!seen.starts_with("HTTP/1.1 101")) throw std::runtime_error("websocket upgrade refused");
      begin_ += header_end + 4;  // what follows is the first frame
      return;
    }
  }

  void append_header(std::uint8_t opcode, std::size_t size) {
    header_.push_back(static_cast<char>(0x80 | opcode));
    if (size < 126) {
      header_.push_back(static_cast<char>(0x80 | size));
    } else if (size <= 0xFFFF) {
      header_.push_back(static_cast<char>(0x80 | 126));
      for (int shift = 8; shift >= 0; shift -= 8) header_.push_back(static_cast<char>(size >> shift));
    } else {
      header_.push_back(static_cast<char>(0x80 | 127));
      for (int shift = 56; shift >= 0; shift -= 8) header_.push_back(static_cast<char>(size >> shift));
    }
    header_.append(key_.data(), key_.size());
  }

  // XORs with the key as if `data` started `offset` bytes into the payload.
  void mask(char* data, std::size_t size, std::size_t offset) const {
    std::array<char, 8> rotated;
    for (std::size_t i = 0; i < 8; ++i) rotated[i] = key_[(offset + i) % 4];
    std::uint64_t word_key;
    std::memcpy(&word_key, rotated.data(), 8);
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, data + i, 8);
      word ^= word_key;
      std::memcpy(data + i, &word, 8);
    }
    for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ rotated[i % 8]);
  }

  void write_message(std::uint8_t opcode, std::string_view payload) {
    const std::scoped_lock lock(write_mutex_);
    header_.clear();
    append_header(opcode, payload.size());
    const std::size_t ends_at = header_.size();
    header_.append(payload);
    mask(header_.data() + ends_at, payload.size(), 0);
    boost::asio::write(socket_, boost::asio::buffer(header_));
  }

  void send(std::initializer_list<std::string_view> parts) {
    std::vector<boost::asio::const_buffer> buffers;
    for (const auto part : parts) buffers.emplace_back(part.data(), part.size());
    boost::asio::write(socket_, buffers);
  }

  // Until at least `bytes` unread bytes are buffered.
  void fill(std::size_t bytes) {
    if (end_ - begin_ >= bytes) return;
    if (begin_ == end_) begin_ = end_ = 0;
    // Unread bytes move to the front only when the frame would not fit behind them:
    // a read often takes the start of the next megabyte frame along with an ack.
    if (begin_ > 0 && begin_ + bytes > in_.size()) {
      std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (in_.size() < begin_ + bytes) in_.resize(begin_ + bytes + kReadChunk);
    while (end_ - begin_ < bytes) {
      end_ += socket_.read_some(boost::asio::buffer(in_.data() + end_, in_.size() - end_));
    }
  }

  std::string_view read_message() {
    message_.clear();
    std::uint8_t message_opcode = kContinuation;
    for (;;) {
      fill(2);
      const auto first = static_cast<std::uint8_t>(in_[begin_]);
      const auto second = static_cast<std::uint8_t>(in_[begin_ + 1]);
      std::size_t header = 2;
      std::uint64_t size = second & 0x7F;
      if (size >= 126) {
        const std::size_t extended = size == 126 ? 2 : 8;
        fill(2 + extended);
        size = 0;
        for (std::size_t i = 0; i < extended; ++i) size = size << 8 | static_cast<std::uint8_t>(in_[begin_ + 2 + i]);
        header += extended;
      }
      if ((second & 0x80) != 0) throw std::runtime_error("server frames must not be masked");
      fill(header + size);
      const std::string_view payload(in_.data() + begin_ + header, size);
      const std::uint8_t opcode = first & 0x0F;
      const bool final_frame = (first & 0x80) != 0;
      if (opcode == kPing) {
        write_message(kPong, payload);
        begin_ += header + size;
        continue;
      }
      if (opcode == kClose) throw std::runtime_error("server closed the websocket");
      if (opcode != kContinuation) message_opcode = opcode;
      if (final_frame && message_.empty()) {
        // The common case, one frame: handed out in place.
        binary_ = message_opcode == kBinary;
        begin_ += header + size;
        return payload;
      }
      message_.append(payload);
      begin_ += header + size;
      if (final_frame) {
        binary_ = message_opcode == kBinary;
        return message_;
      }
    }
  }

  // Room for a few megabyte frames, so that the unread bytes seldom have to move.
  static constexpr std::size_t kReadChunk = 4 << 20;

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::array<char, 4> key_{};
  std::mutex write_mutex_;
  std::string header_;   // guarded by write_mutex_
  std::string trailer_;  // guarded by write_mutex_
  std::vector<char> in_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string message_;
  bool binary_ = false;
};

}  // namespace sts::bench
