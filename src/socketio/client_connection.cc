#include "socketio/client_connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

namespace sts::socketio {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

// Replies are JSON with base64 audio: a few MiB at most. Anything far larger is not
// an STS server talking.
constexpr std::uint64_t kMaxMessageBytes = 256u << 20;
// A polite close must not keep a finished client waiting on a dead server.
constexpr std::chrono::seconds kCloseWait{1};

std::string describe(const error_code& ec) {
  if (ec == websocket::error::closed) return "the server closed the websocket";
  if (ec == asio::error::eof) return "the server closed the connection";
  if (ec == asio::error::connection_reset) return "connection reset";
  if (ec == asio::error::connection_refused) return "connection refused";
  return ec.message();
}

std::string millis(std::chrono::milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

}  // namespace

ClientConnection::ClientConnection(asio::io_context& io, ServerUrl url, Options options, Handlers handlers)
    : io_(io),
      url_(std::move(url)),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      protocol_(options_.auth),
      resolver_(io),
      ws_(io),
      watchdog_(io),
      write_wake_(io) {}

void ClientConnection::start() {
  arm_watchdog(options_.connect_timeout, "no Socket.IO connection within " + millis(options_.connect_timeout));
  asio::co_spawn(io_, run(shared_from_this()), asio::detached);
}

void ClientConnection::arm_watchdog(std::chrono::milliseconds after, std::string reason) {
  watchdog_reason_ = std::move(reason);
  watchdog_.expires_after(after);
  watchdog_.async_wait([weak = weak_from_this()](error_code ec) {
    auto self = weak.lock();
    if (!ec && self) self->finish(self->watchdog_reason_);
  });
}

asio::awaitable<void> ClientConnection::run(Self self) {
  error_code ec;
  const auto endpoints =
      co_await resolver_.async_resolve(url_.host, url_.port, asio::redirect_error(asio::use_awaitable, ec));
  if (self->finished_) co_return;
  if (ec) {
    finish("cannot resolve " + url_.host + ": " + ec.message());
    co_return;
  }
  co_await beast::get_lowest_layer(ws_).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (self->finished_) co_return;
  if (ec) {
    finish("cannot connect: " + describe(ec));
    co_return;
  }
  beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true));
  ws_.set_option(websocket::stream_base::decorator([headers = options_.headers](websocket::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  ws_.auto_fragment(false);
  ws_.read_message_max(kMaxMessageBytes);
  co_await ws_.async_handshake(url_.host + ":" + url_.port, url_.target(),
                               asio::redirect_error(asio::use_awaitable, ec));
  if (self->finished_) co_return;
  if (ec) {
    finish("the websocket handshake at " + url_.target() + " failed: " + describe(ec));
    co_return;
  }
  writing_ = true;
  asio::co_spawn(io_, writer(self), asio::detached);
  co_await reader(self);
}

asio::awaitable<void> ClientConnection::reader(Self self) {
  beast::flat_buffer buffer;
  error_code ec;
  while (!self->finished_) {
    co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (self->finished_) co_return;
    if (ec) {
      finish(describe(ec));
      co_return;
    }
    const std::string_view message(static_cast<const char*>(buffer.cdata().data()), buffer.size());
    ClientStep step = ws_.got_text() ? protocol_.on_text(message) : protocol_.on_binary();
    buffer.consume(buffer.size());
    apply(std::move(step));
  }
}

void ClientConnection::apply(ClientStep step) {
  for (auto& reply : step.replies) send(std::move(reply));
  if (step.closed) {
    finish(*step.closed);
    return;
  }
  if (step.connected) connected_ = true;
  // Once connected, any message proves the server alive; a server that stops
  // pinging is gone after the heartbeat it announced.
  if (connected_) {
    const auto heartbeat = protocol_.open_info().ping_interval + protocol_.open_info().ping_timeout;
    arm_watchdog(heartbeat, "no heartbeat from the server in " + millis(heartbeat));
  }
  // Handlers run from copies: one may close the connection, which drops them.
  if (step.connected && handlers_.on_connect) std::function<void()>(handlers_.on_connect)();
  if (step.event && handlers_.on_event && !finished_ && !closing_) {
    auto& items = step.event->data->get_ref<util::Json::array_t&>();
    if (!items.front().is_string()) return;
    const std::string name = items.front().get<std::string>();
    items.erase(items.begin());
    auto on_event = handlers_.on_event;
    on_event(name, *step.event->data);
  }
}

void ClientConnection::emit(std::string_view name, const util::Json& argument) {
  if (finished_ || closing_) return;
  std::string message = ClientProtocol::event_message(name, argument);
  const std::size_t limit = protocol_.open_info().max_payload;
  if (message.size() > limit) {
    // Posted: handlers never run inside a call their owner made.
    asio::post(io_, [self = shared_from_this(), reason = "a " + std::string(name) + " event of " +
                                                         std::to_string(message.size()) +
                                                         " bytes exceeds the server's maxPayload of " +
                                                         std::to_string(limit) + " bytes"] { self->finish(reason); });
    return;
  }
  send(std::move(message));
}

void ClientConnection::send(std::string message) {
  queue_.push_back(std::move(message));
  write_wake_.cancel();
}

asio::awaitable<void> ClientConnection::writer(Self self) {
  error_code ec;
  for (;;) {
    if (self->finished_) co_return;
    if (queue_.empty()) {
      if (closing_) break;
      write_wake_.expires_at(asio::steady_timer::time_point::max());
      co_await write_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const std::string message = std::move(queue_.front());
    queue_.pop_front();
    ws_.text(true);
    co_await ws_.async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      finish(describe(ec));
      co_return;
    }
  }
  finished_ = true;
  watchdog_.cancel();
  beast::get_lowest_layer(ws_).expires_after(kCloseWait);
  co_await ws_.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
  beast::get_lowest_layer(ws_).close();
}

void ClientConnection::close() {
  if (finished_ || closing_) return;
  handlers_ = {};
  if (!writing_) {
    finish("closed");
    return;
  }
  closing_ = true;
  if (!protocol_.closed()) send(std::string(ClientProtocol::kDisconnectMessage));
  write_wake_.cancel();
}

void ClientConnection::finish(const std::string& reason) {
  if (finished_) return;
  finished_ = true;
  watchdog_.cancel();
  write_wake_.cancel();
  resolver_.cancel();
  beast::get_lowest_layer(ws_).close();
  if (auto on_close = std::exchange(handlers_.on_close, nullptr)) on_close(reason);
  handlers_ = {};
}

}  // namespace sts::socketio
