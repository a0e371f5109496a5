// A blocking Engine.IO v4 websocket connection, CONNECTed to the "/" namespace, for
// the bench load clients: it answers server pings while reading, and one thread
// may write while another reads.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sts::bench {

class EioWebSocket {
 public:
  EioWebSocket(const std::string& host, const std::string& port) : ws_(io_) {
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::asio::connect(ws_.next_layer(), resolver.resolve(host, port));
    ws_.next_layer().set_option(boost::asio::ip::tcp::no_delay(true));
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(1 << 20);
    ws_.read_message_max(256u << 20);
    ws_.handshake(host, "/socket.io/?EIO=4&transport=websocket");
    expect(read_text(), "0{");
    write_text("40");
    expect(read_text(), "40");
  }

  // One text message from several buffers (a large payload is never copied).
  template <typename ConstBufferSequence>
  void write_text_buffers(const ConstBufferSequence& buffers) {
    const std::scoped_lock lock(write_mutex_);
    ws_.text(true);
    ws_.write(buffers);
  }
  void write_text(std::string_view text) { write_text_buffers(boost::asio::buffer(text)); }
  void write_binary(std::string_view bytes) {
    const std::scoped_lock lock(write_mutex_);
    ws_.binary(true);
    ws_.write(boost::asio::buffer(bytes));
  }

  // The next message other than a ping; valid until the next read. Results are
  // megabytes, and a client should cost the machine it shares with the server as
  // little as it can.
  std::string_view read() {
    for (;;) {
      buffer_.clear();
      ws_.read(buffer_);
      const std::string_view message(static_cast<const char*>(buffer_.cdata().data()), buffer_.size());
      if (ws_.got_text() && message == "2") {
        write_text("3");
        continue;
      }
      return message;
    }
  }
  std::string_view read_text() {
    const std::string_view message = read();
    if (!ws_.got_text()) throw std::runtime_error("unexpected binary message");
    return message;
  }
  bool got_binary() const { return ws_.got_binary(); }

  void close() {
    boost::beast::error_code ec;
    ws_.close(boost::beast::websocket::close_code::normal, ec);
  }

  static void expect(std::string_view text, std::string_view prefix) {
    if (!text.starts_with(prefix)) throw std::runtime_error("unexpected packet: " + std::string(text.substr(0, 120)));
  }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::mutex write_mutex_;
};

}  // namespace sts::bench
