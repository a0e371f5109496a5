// One Engine.IO session: its transport (long-polling, websocket, or polling upgraded
// to websocket), the heartbeat, and one bounded send queue drained by one writer.
// All state lives on the session's strand; the public send/close may be called from
// any thread and post there.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "socketio/engine_types.h"
#include "socketio/engineio_packet.h"
#include "socketio/websocket_connection.h"

namespace sts::socketio {

class EngineRegistry;

class EngineSession : public std::enable_shared_from_this<EngineSession> {
 public:
  EngineSession(boost::asio::io_context& io, std::shared_ptr<EngineRegistry> registry, std::string sid,
                Handshake handshake);

  const std::string& sid() const { return sid_; }
  const Handshake& handshake() const { return handshake_; }
  const Strand& strand() const { return strand_; }
  const EngineOptions& options() const;

  // Thread-safe. The packets are queued together, so a Socket.IO binary event and its
  // attachments are never interleaved with another message. `jump_queue` puts them
  // ahead of everything queued but earlier jumpers: for small, urgent messages that
  // must not wait behind megabytes.
  void send(std::vector<eio::Packet> packets, bool jump_queue = false);
  // Thread-safe. Sends what is queued, then closes the transport.
  void close(std::string reason);

  // Strand only.
  void send_on_strand(std::vector<eio::Packet> packets, bool jump_queue = false);
  void close_on_strand(std::string_view reason, bool flush);

  // Entry points for the HTTP side; each runs on the strand and keeps the session
  // alive through its `self` parameter. Spawn them as member calls with lvalue
  // arguments, never through a capturing lambda coroutine or with prvalue arguments:
  // GCC 12 mishandles both (cf. GCC PR 99576), and valgrind caught a session freed
  // under its own running heartbeat that way.
  using Self = std::shared_ptr<EngineSession>;
  boost::asio::awaitable<HttpReply> open_polling(Self self);
  boost::asio::awaitable<void> open_websocket(Self self, std::shared_ptr<WebSocketConnection> ws);
  boost::asio::awaitable<HttpReply> handle_poll_get(Self self);
  boost::asio::awaitable<HttpReply> handle_poll_post(Self self, std::string body);
  boost::asio::awaitable<void> run_websocket(Self self, std::shared_ptr<WebSocketConnection> ws);
  boost::asio::awaitable<void> run_upgrade(Self self, std::shared_ptr<WebSocketConnection> ws);
  std::string open_packet_json() const;

 private:
  // Starts the heartbeat and hands the session to the layer above.
  void start(Transport transport);
  boost::asio::awaitable<void> heartbeat(Self self);
  // Writes the next queued packet to the websocket unless a write is in flight,
  // from whichever handler queued it: an ack leaves at once, not after a trip
  // through the io_context behind other connections' reads. Closed and flushed,
  // it says goodbye.
  void write_next();
  boost::asio::awaitable<void> websocket_reader(Self self, std::shared_ptr<WebSocketConnection> ws);
  void handle_packet(const eio::PacketView& packet, std::size_t readable_past_end);
  // Queues for the writers; false when the queue overflowed and the session must close.
  bool enqueue(std::vector<eio::Packet> packets, bool jump_queue);
  void wake_writers();
  std::string drain_for_poll();
  eio::Packet pop_queued();

  std::shared_ptr<EngineRegistry> registry_;
  Strand strand_;
  const std::string sid_;
  const Handshake handshake_;
  Transport transport_ = Transport::polling;
  std::shared_ptr<SessionListener> listener_;
  bool closed_ = false;

  std::deque<eio::Packet> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t jumped_ = 0;  // packets at the queue's front that jumped it, in order

  boost::asio::steady_timer ping_timer_;
  bool awaiting_pong_ = false;

  boost::asio::steady_timer poll_wake_;
  bool poll_pending_ = false;
  bool noop_requested_ = false;

  std::shared_ptr<WebSocketConnection> ws_;
  // Bounds a closing flush: a client that stopped reading would hold the session forever.
  boost::asio::steady_timer flush_deadline_;
  bool writing_ = false;
  bool goodbye_ = false;
  eio::Packet in_flight_;  // what the websocket is writing
  char in_flight_type_ = 0;
  bool upgrading_ = false;
};

}  // namespace sts::socketio
