// Handlers of one namespace. Registered before the server listens; read-only after.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "socketio/socket.h"

namespace sts::socketio {

class Namespace {
 public:
  // Decides a CONNECT: nullopt accepts; a value refuses, and is sent as the
  // CONNECT_ERROR data (e.g. {"message":"AUTH_FAILED"}).
  using Guard = std::function<std::optional<Json>(const Handshake&, const Json& auth)>;
  using ConnectionHandler = std::function<void(const std::shared_ptr<Socket>&)>;
  using DisconnectHandler = std::function<void(const std::shared_ptr<Socket>&, std::string_view reason)>;

  void use(Guard guard) { guard_ = std::move(guard); }
  void on_connection(ConnectionHandler handler) { on_connection_ = std::move(handler); }
  void on_disconnect(DisconnectHandler handler) { on_disconnect_ = std::move(handler); }
  void on(std::string event, EventHandler handler) { events_[std::move(event)] = std::move(handler); }
  // Receives events no handler is registered for, so the layer above can answer them.
  using UnknownEventHandler = std::function<void(const std::shared_ptr<Socket>&, std::string_view event)>;
  void on_unknown(UnknownEventHandler handler) { on_unknown_ = std::move(handler); }

  std::optional<Json> check(const Handshake& handshake, const Json& auth) const {
    return guard_ ? guard_(handshake, auth) : std::nullopt;
  }
  void connected(const std::shared_ptr<Socket>& socket) const {
    if (on_connection_) on_connection_(socket);
  }
  void disconnected(const std::shared_ptr<Socket>& socket, std::string_view reason) const {
    if (on_disconnect_) on_disconnect_(socket, reason);
  }
  void unknown(const std::shared_ptr<Socket>& socket, std::string_view event) const {
    if (on_unknown_) on_unknown_(socket, event);
  }
  const EventHandler* handler(const std::string& event) const {
    const auto it = events_.find(event);
    return it == events_.end() ? nullptr : &it->second;
  }

 private:
  Guard guard_;
  ConnectionHandler on_connection_;
  DisconnectHandler on_disconnect_;
  UnknownEventHandler on_unknown_;
  std::map<std::string, EventHandler, std::less<>> events_;
};

using NamespaceTable = std::map<std::string, std::unique_ptr<Namespace>, std::less<>>;

}  // namespace sts::socketio
