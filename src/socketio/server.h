// The Socket.IO v5 server: namespaces with their handlers, over the Engine.IO server.
// Knows nothing of STS.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "socketio/engine_server.h"
#include "socketio/namespace.h"

namespace sts::socketio {

struct ServerOptions {
  EngineOptions engine;
  // An Engine.IO session that joins no namespace within this time is closed.
  std::chrono::milliseconds connect_timeout{45000};
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options);

  // The namespace's handler table, created on first use; "/" always exists. Register
  // handlers before listen().
  Namespace& of(const std::string& name);
  void add_route(std::string path, HttpHandler handler) { engine_.add_route(std::move(path), std::move(handler)); }

  std::uint16_t listen(const std::string& address, std::uint16_t port) { return engine_.listen(address, port); }
  void stop_accepting() { engine_.stop_accepting(); }
  void stop() { engine_.stop(); }
  std::size_t session_count() const { return engine_.session_count(); }
  TrafficSnapshot traffic() const { return engine_.traffic(); }

 private:
  std::shared_ptr<NamespaceTable> namespaces_;
  EngineServer engine_;
};

}  // namespace sts::socketio
