// The Socket.IO side of one Engine.IO session: namespace sockets, CONNECT handling,
// binary attachment reassembly, and the connect timeout. Runs on the session's strand.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "socketio/engine_session.h"
#include "socketio/namespace.h"
#include "socketio/socketio_packet.h"

namespace sts::socketio {

// Encodes a packet as Engine.IO messages: the text part, then one binary message per
// attachment (binary values in `packet.data` become placeholders).
std::vector<eio::Packet> to_engine_packets(sio::Packet packet);

class Client : public SessionListener, public std::enable_shared_from_this<Client> {
 public:
  Client(std::shared_ptr<const NamespaceTable> namespaces, const std::shared_ptr<EngineSession>& session);
  void start_connect_timer(std::chrono::milliseconds timeout);

  void on_message(std::string_view data, bool binary, std::size_t readable_past_end) override;
  void on_close(std::string_view reason) override;

 private:
  void dispatch(sio::Packet packet);
  void handle_connect(sio::Packet packet);
  void handle_event(sio::Packet packet);
  void handle_disconnect(const sio::Packet& packet);
  void protocol_error();
  void send(sio::Packet packet);

  std::shared_ptr<const NamespaceTable> namespaces_;
  std::weak_ptr<EngineSession> session_;
  boost::asio::steady_timer connect_timer_;
  std::map<std::string, std::shared_ptr<Socket>, std::less<>> sockets_;
  std::optional<sio::Packet> awaiting_attachments_;
  std::vector<sio::Attachment> attachments_;
  std::size_t attachment_bytes_ = 0;
};

}  // namespace sts::socketio
