// A client's connection to one namespace, as handlers see it. Emitting and
// disconnecting are safe from any thread: packets are encoded on the caller's thread
// and handed to the connection's strand.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "socketio/engine_types.h"
#include "socketio/socketio_packet.h"
#include "util/json.h"

namespace sts::socketio {

using util::Json;
class EngineSession;

class Socket {
 public:
  Socket(const std::shared_ptr<EngineSession>& session, std::string nsp, std::string id, Json auth);

  const std::string& id() const { return id_; }
  const std::string& nsp() const { return nsp_; }
  const Json& auth() const { return auth_; }
  const Handshake& handshake() const { return handshake_; }
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  // The connection's strand: events arrive on it, and state kept per connection is
  // touched only there. Work finished elsewhere is posted back through it.
  const Strand& strand() const { return strand_; }

  // One slot for the layer above's per-connection state. Strand only.
  void set_context(std::shared_ptr<void> context) { context_ = std::move(context); }
  template <typename T>
  std::shared_ptr<T> context() const {
    return std::static_pointer_cast<T>(context_);
  }

  // `args` is a JSON array of the event's arguments (any other value is sent as the
  // single argument). Binary values (Json::binary) travel as attachments.
  void emit(std::string_view event, Json args = Json::array());
  // One event with one argument, serialized straight from `payload`: no copy of a
  // megabyte payload that the caller keeps. `payload` must hold no binary values.
  // `jump_queue` sends it ahead of larger messages already queued (see
  // EngineSession::send).
  void emit_ref(std::string_view event, const Json& payload, bool jump_queue = false);
  // The Socket.IO packet of that event (socketio::event_frame for this namespace).
  std::string event_frame(std::string_view event, const Json& payload, const util::JsonSplice* splice = nullptr) const;
  void send_event_frame(std::shared_ptr<const std::string> frame, bool jump_queue = false);
  // Sends DISCONNECT for this namespace, then closes the connection once its queue is
  // flushed.
  void disconnect();

  // Called by the connection when the namespace or the transport goes away.
  void mark_disconnected() { connected_.store(false, std::memory_order_release); }
  void send_packet(sio::Packet packet);

 private:
  std::weak_ptr<EngineSession> session_;
  const std::string nsp_;
  const std::string id_;
  const Json auth_;
  const Handshake handshake_;
  const Strand strand_;
  std::shared_ptr<void> context_;
  std::atomic<bool> connected_{true};
};

// The Socket.IO packet of an event on namespace `nsp`, built on any thread, to send
// later with Socket::send_event_frame: megabyte results are serialized off the
// connection's strand, and kept to be re-sent, on this connection or the next.
std::string event_frame(std::string_view nsp, std::string_view event, const Json& payload,
                        const util::JsonSplice* splice = nullptr);

// Answers a client's acknowledgement request; call it once, from any thread. Empty
// (false) when the client asked for no acknowledgement.
using Ack = std::function<void(Json args)>;
using EventHandler = std::function<void(const std::shared_ptr<Socket>&, Json& args, const Ack& ack)>;

}  // namespace sts::socketio
