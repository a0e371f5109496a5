#include "socketio/engine_session.h"

#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>

#include "socketio/engine_registry.h"
#include "util/base64.h"
#include "util/json.h"

namespace sts::socketio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

// A timer that never fires by itself: waiting on it parks a coroutine until cancel().
void park(asio::steady_timer& timer) { timer.expires_at(asio::steady_timer::time_point::max()); }

HttpReply bad_request(std::string_view message) {
  return {400, "application/json", std::string(R"({"code":3,"message":")") + std::string(message) + "\"}"};
}

std::string_view close_reason(const error_code& ec) {
  if (ec == websocket::error::closed || ec == asio::error::eof) return "transport close";
  if (ec == websocket::error::message_too_big) return "payload too large";
  return "transport error";
}

}  // namespace

EngineSession::EngineSession(asio::io_context& io, std::shared_ptr<EngineRegistry> registry, std::string sid,
                             Handshake handshake)
    : registry_(std::move(registry)),
      strand_(asio::make_strand(io)),
      sid_(std::move(sid)),
      handshake_(std::move(handshake)),
      ping_timer_(strand_),
      poll_wake_(strand_),
      flush_deadline_(strand_) {}

const EngineOptions& EngineSession::options() const { return registry_->options(); }

std::string EngineSession::open_packet_json() const {
  const auto& o = options();
  const char* upgrades = transport_ == Transport::polling ? R"(["websocket"])" : "[]";
  return R"({"sid":")" + sid_ + R"(","upgrades":)" + upgrades + R"(,"pingInterval":)" +
         std::to_string(o.ping_interval.count()) + R"(,"pingTimeout":)" + std::to_string(o.ping_timeout.count()) +
         R"(,"maxPayload":)" + std::to_string(o.max_payload) + "}";
}

void EngineSession::start(Transport transport) {
  transport_ = transport;
  registry_->traffic().opened(transport);
  send_on_strand({eio::Packet::text(eio::PacketType::open, open_packet_json())});
  const Self self = shared_from_this();
  asio::co_spawn(strand_, heartbeat(self), asio::detached);
  listener_ = registry_->on_open()(shared_from_this());
}

asio::awaitable<HttpReply> EngineSession::open_polling(Self self) {
  start(Transport::polling);
  co_return co_await handle_poll_get(self);
}

asio::awaitable<void> EngineSession::open_websocket(Self self, std::shared_ptr<WebSocketConnection> ws) {
  start(Transport::websocket);
  co_await run_websocket(self, ws);
}

void EngineSession::send(std::vector<eio::Packet> packets, bool jump_queue) {
  // From a handler already on the strand (an ack answering a fragment), queued at once
  // rather than after whatever the io_context holds. An overflow closes the session
  // later, never under the caller's feet.
  if (strand_.running_in_this_thread()) {
    if (!enqueue(std::move(packets), jump_queue)) {
      asio::post(strand_, [self = shared_from_this()] { self->close_on_strand("send queue overflow", false); });
    }
    return;
  }
  asio::post(strand_, [self = shared_from_this(), packets = std::move(packets), jump_queue]() mutable {
    self->send_on_strand(std::move(packets), jump_queue);
  });
}

void EngineSession::close(std::string reason) {
  asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)] { self->close_on_strand(reason, true); });
}

void EngineSession::send_on_strand(std::vector<eio::Packet> packets, bool jump_queue) {
  if (!enqueue(std::move(packets), jump_queue)) close_on_strand("send queue overflow", false);
}

bool EngineSession::enqueue(std::vector<eio::Packet> packets, bool jump_queue) {
  if (closed_) return true;
  std::size_t bytes = 0;
  for (const auto& packet : packets) bytes += packet.size();
  queued_bytes_ += bytes;
  registry_->traffic().sent(bytes);
  if (jump_queue) {
    // Never between a binary event and its attachments (binary packets in the queue
    // are always attachments, possibly left over from a partly drained poll).
    std::size_t at = jumped_;
    while (at < queue_.size() && queue_[at].binary) ++at;
    jumped_ = at + packets.size();
    queue_.insert(queue_.begin() + static_cast<std::ptrdiff_t>(at), std::make_move_iterator(packets.begin()),
                  std::make_move_iterator(packets.end()));
  } else {
    for (auto& packet : packets) queue_.push_back(std::move(packet));
  }
  if (queued_bytes_ > options().max_send_queue_bytes) return false;
  wake_writers();
  return true;
}

void EngineSession::wake_writers() {
  poll_wake_.cancel();
  write_next();
}

void EngineSession::close_on_strand(std::string_view reason, bool flush) {
  if (closed_) return;
  closed_ = true;
  registry_->remove(sid_);
  registry_->traffic().closed(transport_);
  ping_timer_.cancel();
  if (!flush) {
    queue_.clear();
    queued_bytes_ = 0;
    jumped_ = 0;
    // A close frame already on its way is left to finish the closing handshake.
    if (ws_ && !ws_->closing()) ws_->stream().close();
  }
  if (transport_ == Transport::polling) {
    // The pending poll is answered with a close packet, however the session ended, as the
    // reference engine.io server does: the client learns at once, not at its next request.
    queue_.push_back(eio::Packet::text(eio::PacketType::close));
    queued_bytes_ += queue_.back().size();
  }
  if (flush && ws_) {
    // As long as the heartbeat would have given a client that stopped answering.
    flush_deadline_.expires_after(options().ping_interval + options().ping_timeout);
    flush_deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->goodbye_) self->ws_->stream().close();
    });
  }
  wake_writers();
  if (auto listener = std::move(listener_)) listener->on_close(reason);
}

asio::awaitable<void> EngineSession::heartbeat(Self self) {
  const auto& o = options();
  error_code ec;
  for (;;) {
    ping_timer_.expires_after(o.ping_interval);
    co_await ping_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (self->closed_) co_return;
    awaiting_pong_ = true;
    // Pings jump the queue: a client that sees none within pingInterval + pingTimeout
    // drops the connection, however much data is waiting in front.
    queue_.push_front(eio::Packet::text(eio::PacketType::ping));
    queued_bytes_ += 1;
    ++jumped_;
    wake_writers();
    ping_timer_.expires_after(o.ping_timeout);
    co_await ping_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (self->closed_) co_return;
    if (awaiting_pong_) {
      close_on_strand("ping timeout", false);
      co_return;
    }
  }
}

void EngineSession::handle_packet(const eio::PacketView& packet, std::size_t readable_past_end) {
  switch (packet.type) {
    case eio::PacketType::message:
      if (listener_) listener_->on_message(packet.data, packet.binary, readable_past_end);
      return;
    case eio::PacketType::pong:
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        ping_timer_.cancel();
      }
      return;
    case eio::PacketType::ping:
      send_on_strand({eio::Packet::text(eio::PacketType::pong, std::string(packet.data))});
      return;
    case eio::PacketType::close: close_on_strand("transport close", false); return;
    case eio::PacketType::noop: return;
    case eio::PacketType::open:
    case eio::PacketType::upgrade: close_on_strand("parse error", false); return;
  }
}

std::string EngineSession::drain_for_poll() {
  std::string body;
  for (std::size_t n = 0; n < options().max_packets_per_poll && !queue_.empty(); ++n) {
    eio::append_to_payload(pop_queued(), body);
  }
  return body;
}

eio::Packet EngineSession::pop_queued() {
  eio::Packet packet = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= packet.size();
  if (jumped_ > 0) --jumped_;
  return packet;
}

asio::awaitable<HttpReply> EngineSession::handle_poll_get(Self self) {
  if (closed_ || transport_ != Transport::polling) co_return bad_request("Bad request");
  if (poll_pending_) {
    close_on_strand("transport error", false);
    co_return bad_request("Bad request");
  }
  poll_pending_ = true;
  error_code ec;
  while (queue_.empty() && !noop_requested_ && !self->closed_ && transport_ == Transport::polling) {
    park(poll_wake_);
    co_await poll_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  poll_pending_ = false;
  noop_requested_ = false;
  // After an upgrade the queue belongs to the websocket; the poll only gets released.
  std::string body = transport_ == Transport::polling ? drain_for_poll() : std::string();
  if (body.empty()) body = "6";
  co_return HttpReply{200, "text/plain; charset=UTF-8", std::move(body)};
}

asio::awaitable<HttpReply> EngineSession::handle_poll_post(Self self, std::string body) {
  if (closed_ || transport_ != Transport::polling) co_return bad_request("Bad request");
  registry_->traffic().received(body.size());
  auto packets = eio::decode_payload(body);
  if (self->closed_) co_return bad_request("Bad request");
  if (!packets) {
    close_on_strand("parse error", false);
    co_return bad_request(packets.error());
  }
  for (const auto& packet : *packets) {
    if (closed_) break;
    if (!packet.binary) {
      handle_packet(packet, 0);
      continue;
    }
    auto bytes = util::base64_decode(packet.data);
    if (!bytes) {
      close_on_strand("parse error", false);
      co_return bad_request("invalid base64 in binary packet");
    }
    if (listener_) {
      listener_->on_message({reinterpret_cast<const char*>(bytes->data()), bytes->size()}, true, 0);
    }
  }
  co_return HttpReply{200, "text/html", "ok"};
}

asio::awaitable<void> EngineSession::run_websocket(Self self, std::shared_ptr<WebSocketConnection> ws) {
  ws_ = ws;
  write_next();
  co_await websocket_reader(self, ws);
}

asio::awaitable<void> EngineSession::run_upgrade(Self self, std::shared_ptr<WebSocketConnection> ws) {
  if (closed_ || transport_ != Transport::polling || upgrading_) {
    ws->stream().close();
    co_return;
  }
  upgrading_ = true;
  // The probe exchange must finish within upgrade_timeout.
  asio::steady_timer deadline(strand_, options().upgrade_timeout);
  deadline.async_wait([ws](const error_code& ec) {
    if (!ec) ws->stream().close();
  });
  error_code ec;
  const auto read_text = [&]() -> asio::awaitable<std::string> {
    const auto message = co_await ws->read(ec);
    if (ec || message.binary) co_return std::string();
    co_return std::string(message.data);
  };
  const bool probed = co_await read_text() == "2probe";
  if (probed && !closed_) ws->write_text("3probe");
  if (!probed || closed_) {
    upgrading_ = false;
    ws->stream().close();
    co_return;
  }
  // Release the pending poll so the client can pause polling and send the upgrade.
  noop_requested_ = true;
  poll_wake_.cancel();
  const bool upgraded = co_await read_text() == "5";
  upgrading_ = false;
  if (!upgraded || closed_) {
    ws->stream().close();
    co_return;
  }
  deadline.cancel();
  registry_->traffic().closed(transport_);
  transport_ = Transport::websocket;
  registry_->traffic().opened(transport_);
  poll_wake_.cancel();
  co_await run_websocket(self, ws);
}

void EngineSession::write_next() {
  if (writing_ || !ws_ || goodbye_) return;
  const auto done = [self = shared_from_this()](const error_code& ec) {
    self->writing_ = false;
    if (ec) {
      self->close_on_strand(close_reason(ec), false);
      return;
    }
    self->write_next();
  };
  if (queue_.empty()) {
    if (!closed_) return;
    // Closed with the queue flushed: say goodbye properly, but never wait long for it.
    goodbye_ = true;
    flush_deadline_.cancel();
    ws_->close(ws::CloseCode::normal);
    return;
  }
  writing_ = true;
  in_flight_ = pop_queued();
  if (in_flight_.binary) {
    const asio::const_buffer payload = asio::buffer(in_flight_.bytes);
    ws_->write(true, {&payload, 1}, done);
    return;
  }
  in_flight_type_ = static_cast<char>(in_flight_.type);
  const std::array<asio::const_buffer, 2> frame{asio::buffer(&in_flight_type_, 1),
                                                asio::buffer(in_flight_.text_data())};
  ws_->write(false, frame, done);
}

asio::awaitable<void> EngineSession::websocket_reader(Self self, std::shared_ptr<WebSocketConnection> ws) {
  error_code ec;
  for (;;) {
    const auto message = co_await ws->read(ec);
    if (ec) {
      close_on_strand(close_reason(ec), false);
      co_return;
    }
    // Once closed, reading goes on only so that the client's close frame is seen.
    if (self->closed_) continue;
    registry_->traffic().received(message.data.size());
    if (message.binary) {
      if (listener_) listener_->on_message(message.data, true, util::kJsonPadding);
    } else if (auto packet = eio::decode_text(message.data)) {
      handle_packet(*packet, util::kJsonPadding);
    } else {
      close_on_strand("parse error", false);
    }
  }
}

}  // namespace sts::socketio
