// sts-server: the dubbing service. For now it serves Socket.IO and GET /health.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>

#include "socketio/server.h"

int main() {
  boost::asio::io_context io;
  sts::socketio::Server server(io, {});
  server.add_route("/health", [](const sts::socketio::HttpRequestInfo&) {
    return sts::socketio::HttpReply{200, "application/json", R"({"status":"ok"})"};
  });
  const auto port = server.listen("0.0.0.0", 8000);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](auto, int) { io.stop(); });
  std::cout << "listening on port " << port << std::endl;
  io.run();
}
