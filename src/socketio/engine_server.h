// The Engine.IO v4 server: accepts TCP connections on one port, serves Engine.IO over
// long-polling and websocket under options.path, and plain HTTP GET routes beside it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <string>

#include "socketio/engine_types.h"

namespace sts::socketio {

class EngineRegistry;

class EngineServer {
 public:
  EngineServer(boost::asio::io_context& io, EngineOptions options, OpenHandler on_open);
  ~EngineServer();
  EngineServer(const EngineServer&) = delete;
  EngineServer& operator=(const EngineServer&) = delete;

  // Routes are fixed before listen(): handlers run on network threads and must be quick.
  void add_route(std::string path, HttpHandler handler);

  // Binds and starts accepting; returns the bound port (useful with port 0).
  std::uint16_t listen(const std::string& address, std::uint16_t port);
  // Refuses new connections; sessions already open carry on.
  void stop_accepting();
  // Stops accepting and closes every session after flushing what it has queued.
  void stop();

  std::size_t session_count() const;
  TrafficSnapshot traffic() const;

  struct Shared;  // what connections share: the routes

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<EngineRegistry> registry_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace sts::socketio
