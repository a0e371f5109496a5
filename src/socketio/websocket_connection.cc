#include "socketio/websocket_connection.h"

#include <algorithm>
#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/error.hpp>
#include <chrono>
#include <limits>

#include "util/json.h"

namespace sts::socketio {
namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

namespace {

// Reads ask for at least this much, so small frames arrive a batch per system call,
// and at most this much, so a frame's header alone never sizes the buffer.
constexpr std::size_t kMinRead = 64 * 1024;
constexpr std::size_t kMaxRead = 1 << 20;
// A receive buffer grown past this by a large message is given back once it is idle.
constexpr std::size_t kKeptBufferBytes = 4u << 20;
constexpr auto kCloseTimeout = std::chrono::seconds(1);

std::string close_payload(std::uint16_t code) { return {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)}; }

// The whole frame in one write_some: the default condition would cut it into 64 KiB pieces.
std::size_t all_at_once(const error_code& ec, std::size_t) { return ec ? 0 : std::numeric_limits<std::size_t>::max(); }

bool is_close_frame(const ws::FrameHeader& header) {
  return (static_cast<std::uint8_t>(header.bytes[0]) & 0x0F) == static_cast<std::uint8_t>(ws::Opcode::close);
}

}  // namespace

WebSocketConnection::WebSocketConnection(beast::tcp_stream stream, asio::any_io_executor executor,
                                         std::size_t max_message_bytes)
    : stream_(std::move(stream)),
      executor_(std::move(executor)),
      assembler_(max_message_bytes),
      close_deadline_(executor_) {}

asio::awaitable<WebSocketConnection::Message> WebSocketConnection::read(error_code& ec) {
  in_.consume(assembler_.release());
  if (in_.size() == 0 && in_.capacity() > kKeptBufferBytes) in_.shrink_to_fit();
  for (;;) {
    const auto received = in_.data();
    const auto event = assembler_.next({static_cast<char*>(received.data()), received.size()});
    const auto payload = [&] {
      return std::string_view(static_cast<const char*>(in_.data().data()) + event.begin, event.end - event.begin);
    };
    switch (event.kind) {
      case ws::MessageAssembler::Kind::need_more: {
        // Grown as bytes arrive, never to the size a header merely announces.
        const std::size_t room = std::clamp(event.needed - in_.size(), kMinRead, kMaxRead);
        const std::size_t n =
            co_await stream_.async_read_some(in_.prepare(room), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          close_now();
          co_return Message{};
        }
        in_.commit(n);
        continue;
      }
      case ws::MessageAssembler::Kind::ping:
        queue_pong(std::string(payload()));
        in_.consume(assembler_.release());
        continue;
      case ws::MessageAssembler::Kind::close: {
        close_received_ = true;
        const auto received_close = ws::parse_close_payload(payload());
        if (close_written_) {
          close_now();
        } else if (!received_close.valid) {
          queue_close(close_payload(static_cast<std::uint16_t>(ws::CloseCode::protocol_error)));
        } else {
          queue_close(received_close.code == 1005 ? std::string() : close_payload(received_close.code));
        }
        ec = beast::websocket::error::closed;
        co_return Message{};
      }
      case ws::MessageAssembler::Kind::error:
        queue_close(close_payload(static_cast<std::uint16_t>(event.close_code)));
        co_await drain();
        ec = event.close_code == ws::CloseCode::too_big ? beast::websocket::error::message_too_big
                                                        : beast::websocket::error::bad_frame_payload;
        co_return Message{};
      case ws::MessageAssembler::Kind::message:
        // Room after the message lets its JSON be parsed where it lies.
        in_.prepare(util::kJsonPadding);
        co_return Message{payload(), event.binary};
    }
  }
}

asio::awaitable<void> WebSocketConnection::drain() {
  // Ends when the client closes its side, or when the close deadline closes ours.
  std::array<char, 4096> discard;
  error_code ec;
  while (!ec) co_await stream_.async_read_some(asio::buffer(discard), asio::redirect_error(asio::use_awaitable, ec));
  close_now();
}

void WebSocketConnection::write(bool binary, std::span<const asio::const_buffer> parts, Written written) {
  Outgoing frame;
  std::size_t size = 0;
  for (std::size_t i = 0; i < parts.size() && i < frame.parts.size(); ++i) {
    frame.parts[i] = parts[i];
    size += parts[i].size();
  }
  frame.header = ws::server_frame_header(binary ? ws::Opcode::binary : ws::Opcode::text, size);
  frame.written = std::move(written);
  queue(std::move(frame));
}

void WebSocketConnection::write_text(std::string text) { queue_owned(ws::Opcode::text, std::move(text)); }

void WebSocketConnection::close(ws::CloseCode code) { queue_close(close_payload(static_cast<std::uint16_t>(code))); }

WebSocketConnection::Outgoing WebSocketConnection::owned_frame(ws::Opcode opcode, std::string payload) {
  Outgoing frame;
  frame.header = ws::server_frame_header(opcode, payload.size());
  frame.owned = std::move(payload);
  frame.owns_payload = true;
  return frame;
}

void WebSocketConnection::queue_owned(ws::Opcode opcode, std::string payload) {
  queue(owned_frame(opcode, std::move(payload)));
}

void WebSocketConnection::queue_pong(std::string payload) {
  if (close_queued_) return;
  Outgoing pong = owned_frame(ws::Opcode::pong, std::move(payload));
  // Only the latest ping needs an answer (RFC 6455 §5.5.3): a client that pings and
  // never reads cannot grow the queue. Pongs go ahead of queued messages.
  if (pong_queued_) {
    out_.front() = std::move(pong);
  } else {
    out_.push_front(std::move(pong));
    pong_queued_ = true;
  }
  if (!writing_) write_next();
}

void WebSocketConnection::queue_close(std::string payload) {
  if (close_queued_) return;
  queue_owned(ws::Opcode::close, std::move(payload));
  close_queued_ = true;
  close_deadline_.expires_after(kCloseTimeout);
  close_deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->close_now();
  });
}

void WebSocketConnection::queue(Outgoing frame) {
  if (close_queued_) {
    // Nothing may follow a close frame; the writer hears of it as it would of a reset.
    if (frame.written) {
      asio::post(executor_, [written = std::move(frame.written)] { written(asio::error::operation_aborted); });
    }
    return;
  }
  out_.push_back(std::move(frame));
  if (!writing_) write_next();
}

void WebSocketConnection::write_next() {
  writing_ = std::move(out_.front());
  out_.pop_front();
  pong_queued_ = false;  // if one was queued, it is being written now
  const Outgoing& frame = *writing_;
  const std::array<asio::const_buffer, 3> buffers{asio::buffer(frame.header.view()),
                                                  frame.owns_payload ? asio::buffer(frame.owned) : frame.parts[0],
                                                  frame.parts[1]};
  asio::async_write(stream_, buffers, all_at_once,
                    asio::bind_executor(executor_, [self = shared_from_this()](const error_code& ec, std::size_t) {
                      self->on_written(ec);
                    }));
}

void WebSocketConnection::on_written(const error_code& ec) {
  Outgoing done = std::move(*writing_);
  writing_.reset();
  if (ec) {
    close_now();
  } else if (is_close_frame(done.header)) {
    close_written_ = true;
    error_code ignored;
    if (close_received_) {
      close_now();
    } else {
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
  }
  if (done.written) done.written(ec);
  if (!writing_ && !out_.empty()) write_next();
}

void WebSocketConnection::close_now() {
  error_code ignored;
  stream_.socket().close(ignored);
  close_deadline_.cancel();
}

}  // namespace sts::socketio
