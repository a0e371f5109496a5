// The server's side of a websocket once the HTTP upgrade is done: messages read where
// they arrive in the receive buffer, each outgoing frame written with one system call.
// Beast's websocket stream wrote megabyte frames in 64 KiB pieces, each its own
// send and handler, which cost a fifth of the server's CPU per echoed fragment.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "socketio/websocket_frame.h"

namespace sts::socketio {

class WebSocketConnection : public std::enable_shared_from_this<WebSocketConnection> {
 public:
  // `executor`: the strand of the session that owns the connection. Every member is
  // called there and every completion runs there.
  WebSocketConnection(boost::beast::tcp_stream stream, boost::asio::any_io_executor executor,
                      std::size_t max_message_bytes);

  boost::beast::tcp_stream& stream() { return stream_; }

  struct Message {
    // Valid until the next read(); util::kJsonPadding bytes past its end are readable.
    std::string_view data;
    bool binary = false;
  };
  // The next message. Pings are answered on the way. A close from the client is
  // answered and reported as websocket::error::closed; a frame that breaks RFC 6455
  // closes the connection with the matching code and reports an error.
  boost::asio::awaitable<Message> read(boost::system::error_code& ec);

  using Written = std::function<void(const boost::system::error_code&)>;
  // Sends one message made of `parts`, which must stay valid until `written` runs,
  // behind the frames already queued.
  void write(bool binary, std::span<const boost::asio::const_buffer> parts, Written written);
  // Sends `text`, which the connection keeps until it is written.
  void write_text(std::string text);
  // Sends a close frame behind what is queued, then closes the TCP connection when
  // the client answers, or after a second if it does not.
  void close(ws::CloseCode code);
  // A close frame was sent or received: no message may follow.
  bool closing() const { return close_queued_ || close_received_; }

 private:
  struct Outgoing {
    ws::FrameHeader header;
    std::array<boost::asio::const_buffer, 2> parts;
    std::string owned;  // the payload, when the connection keeps it
    bool owns_payload = false;
    Written written;
  };

  static Outgoing owned_frame(ws::Opcode opcode, std::string payload);
  void queue(Outgoing frame);
  void queue_owned(ws::Opcode opcode, std::string payload);
  void queue_pong(std::string payload);
  void queue_close(std::string payload);
  // After a frame this server must refuse: its close frame goes out, and what the
  // client still sends is read and dropped, so that closing the socket does not
  // reset the connection before the client has read why.
  boost::asio::awaitable<void> drain();
  void write_next();
  void on_written(const boost::system::error_code& ec);
  void close_now();

  boost::beast::tcp_stream stream_;
  boost::asio::any_io_executor executor_;
  ws::MessageAssembler assembler_;
  boost::beast::flat_buffer in_;
  // Apart from the queue, so that inserting a pong never moves the bytes being sent.
  std::optional<Outgoing> writing_;
  std::deque<Outgoing> out_;
  bool pong_queued_ = false;  // at the queue's front
  bool close_queued_ = false;
  bool close_written_ = false;
  bool close_received_ = false;
  boost::asio::steady_timer close_deadline_;
};

}  // namespace sts::socketio
