// A Socket.IO client connection over a Beast websocket (websocket transport only, as
// production workers connect): it connects, answers the heartbeat, emits events and
// hands received ones up, and says once, in words, why it ended. Every wait is
// bounded: the handshakes by a connect timeout, a silent server by the heartbeat it
// announced (pingInterval + pingTimeout).
// Runs on an io_context driven by one thread; handlers are called there.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "socketio/client_protocol.h"

namespace sts::socketio {

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  struct Options {
    util::Json auth;                                           // the CONNECT payload; null sends none
    std::vector<std::pair<std::string, std::string>> headers;  // sent with the websocket handshake
    // TCP connect, websocket handshake and Socket.IO CONNECT together.
    std::chrono::milliseconds connect_timeout{10000};
  };
  struct Handlers {
    std::function<void()> on_connect;
    // `arguments`: the event's arguments after its name, as an array.
    std::function<void(const std::string& name, util::Json& arguments)> on_event;
    std::function<void(const std::string& reason)> on_close;
  };

  ClientConnection(boost::asio::io_context& io, ServerUrl url, Options options, Handlers handlers);

  void start();
  // Queues one event; megabyte messages are fine (one write at a time, in order).
  void emit(std::string_view name, const util::Json& argument);
  // Sends what is queued, leaves the namespace and closes; no handler runs after.
  void close();

 private:
  using Self = std::shared_ptr<ClientConnection>;
  boost::asio::awaitable<void> run(Self self);
  boost::asio::awaitable<void> reader(Self self);
  boost::asio::awaitable<void> writer(Self self);
  void apply(ClientStep step);
  void arm_watchdog(std::chrono::milliseconds after, std::string reason);
  void finish(const std::string& reason);
  void send(std::string message);

  boost::asio::io_context& io_;
  const ServerUrl url_;
  const Options options_;
  Handlers handlers_;
  ClientProtocol protocol_;
  boost::asio::ip::tcp::resolver resolver_;  // a member, so finish() can cancel a lookup
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::asio::steady_timer watchdog_;
  std::string watchdog_reason_;
  boost::asio::steady_timer write_wake_;
  std::deque<std::string> queue_;
  bool connected_ = false;  // the server accepted the namespace CONNECT
  bool writing_ = false;    // the writer runs: the websocket is open
  bool closing_ = false;    // close() was called: flush, then close
  bool finished_ = false;   // the socket is closed or closing; no handler runs
};

}  // namespace sts::socketio
