// The conformance fixture: the Socket.IO behaviour that the protocol's own test suite
// expects of a server, so any client test can be pointed at ours or at a reference.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <thread>
#include <vector>

#include "socketio/engine_session.h"
#include "socketio/server.h"
#include "util/heap.h"

namespace {

using sts::socketio::Json;

// The defaults are the conformance suite's; the benchmark raises the limits.
struct Flags {
  std::uint16_t port = 3000;
  bool engineio_echo = false;
  unsigned threads = 1;
  sts::socketio::ServerOptions options = [] {
    sts::socketio::ServerOptions o;
    o.engine.ping_interval = std::chrono::milliseconds(300);
    o.engine.ping_timeout = std::chrono::milliseconds(200);
    o.engine.max_payload = 1'000'000;
    o.connect_timeout = std::chrono::milliseconds(1000);
    return o;
  }();
};

[[noreturn]] void usage() {
  std::cerr << "usage: socketio-conformance-server [--port N] [--engineio-echo] [--threads N]\n"
               "         [--max-payload BYTES] [--ping-interval MS] [--ping-timeout MS]\n";
  std::exit(2);
}

Flags parse_flags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--engineio-echo") {
      flags.engineio_echo = true;
      continue;
    }
    if (i + 1 >= argc) usage();
    char* end = nullptr;
    const unsigned long value = std::strtoul(argv[++i], &end, 10);
    if (*end != '\0') usage();
    if (arg == "--port" && value <= 65535)
      flags.port = static_cast<std::uint16_t>(value);
    else if (arg == "--threads" && value >= 1 && value <= 64)
      flags.threads = static_cast<unsigned>(value);
    else if (arg == "--max-payload" && value > 0)
      flags.options.engine.max_payload = value;
    else if (arg == "--ping-interval")
      flags.options.engine.ping_interval = std::chrono::milliseconds(value);
    else if (arg == "--ping-timeout")
      flags.options.engine.ping_timeout = std::chrono::milliseconds(value);
    else
      usage();
  }
  return flags;
}

void add_socketio_handlers(sts::socketio::Server& server) {
  for (const char* name : {"/", "/custom"}) {
    server.of(name).on_connection([](const std::shared_ptr<sts::socketio::Socket>& socket) {
      socket->emit("auth", Json::array({socket->auth()}));
    });
  }
  auto& root = server.of("/");
  root.on("message", [](const std::shared_ptr<sts::socketio::Socket>& socket, Json& args, const sts::socketio::Ack&) {
    socket->emit("message-back", std::move(args));
  });
  root.on("message-with-ack",
          [](const std::shared_ptr<sts::socketio::Socket>&, Json& args, const sts::socketio::Ack& ack) {
            if (ack) ack(std::move(args));
          });
}

// Engine.IO only: every message goes straight back to its sender.
class EchoListener : public sts::socketio::SessionListener {
 public:
  explicit EchoListener(const std::shared_ptr<sts::socketio::EngineSession>& session) : session_(session) {}
  void on_message(std::string_view data, bool binary, std::size_t) override {
    auto session = session_.lock();
    if (!session) return;
    namespace eio = sts::socketio::eio;
    session->send_on_strand({binary ? eio::Packet::binary_message({data.begin(), data.end()})
                                    : eio::Packet::text(eio::PacketType::message, std::string(data))});
  }
  void on_close(std::string_view) override {}

 private:
  std::weak_ptr<sts::socketio::EngineSession> session_;
};

}  // namespace

int main(int argc, char** argv) {
  sts::util::keep_freed_buffers();
  const Flags flags = parse_flags(argc, argv);
  boost::asio::io_context io;
  const auto& options = flags.options;
  std::uint16_t port = 0;
  std::unique_ptr<sts::socketio::Server> socketio_server;
  std::unique_ptr<sts::socketio::EngineServer> engine_server;
  if (flags.engineio_echo) {
    // Where the reference engine.io server and its protocol test suite expect it.
    auto engine_options = options.engine;
    engine_options.path = "/engine.io";
    engine_server = std::make_unique<sts::socketio::EngineServer>(
        io, engine_options, [](const std::shared_ptr<sts::socketio::EngineSession>& session) {
          return std::make_shared<EchoListener>(session);
        });
    port = engine_server->listen("127.0.0.1", flags.port);
  } else {
    socketio_server = std::make_unique<sts::socketio::Server>(io, options);
    add_socketio_handlers(*socketio_server);
    port = socketio_server->listen("127.0.0.1", flags.port);
  }
  auto health = [](const sts::socketio::HttpRequestInfo&) {
    return sts::socketio::HttpReply{200, "application/json", R"({"status":"ok"})"};
  };
  if (socketio_server) socketio_server->add_route("/health", health);
  if (engine_server) engine_server->add_route("/health", health);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](auto, int) { io.stop(); });
  std::cout << "listening on port " << port << std::endl;
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < flags.threads; ++t) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : threads) thread.join();
  return 0;
}
