// Echo round-trip load against any Socket.IO v5 server that runs the conformance
// fixture's "message" → "message-back" handler: ours, python-socketio's or Node's.
// One thread and one websocket per client, request/response, for a fixed time.
// Prints one JSON object per line so bench/socketio_echo.py can tabulate and compare.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "eio_websocket.h"

using Clock = std::chrono::steady_clock;

namespace {

struct Scenario {
  std::string name;
  std::size_t payload_bytes;
  bool binary;
};

struct Args {
  std::string host = "127.0.0.1";
  std::string port;
  std::string label = "server";
  double seconds = 3.0;
  bool raw_tcp = false;
  std::vector<int> client_counts{1, 10};
};

class EchoClient {
 public:
  explicit EchoClient(const Args& args) : ws_(args.host, args.port) {
    sts::bench::EioWebSocket::expect(ws_.read_text(), "42[\"auth\"");
  }

  // One round trip; returns false when the reply is not the echo.
  bool round_trip(const std::string& text_frame, const std::string& binary_frame, std::size_t expected_size) {
    ws_.write_text(text_frame);
    if (!binary_frame.empty()) ws_.write_binary(binary_frame);
    const std::string_view reply = ws_.read_text();
    if (binary_frame.empty()) return reply.size() == expected_size && reply.starts_with("42[\"message-back\"");
    if (!reply.starts_with("451-[\"message-back\"")) return false;
    const std::size_t attachment_size = ws_.read().size();
    return ws_.got_binary() && attachment_size == binary_frame.size();
  }

  void close() { ws_.close(); }

 private:
  sts::bench::EioWebSocket ws_;
};

// The same bytes through a plain TCP echo (bench/yardsticks/tcp_echo.py): the
// kernel's share of a round trip, a ceiling for every Socket.IO server.
class TcpEchoClient {
 public:
  explicit TcpEchoClient(const Args& args) : socket_(io_) {
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::asio::connect(socket_, resolver.resolve(args.host, args.port));
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
  }

  bool round_trip(const std::string& payload) {
    reply_.resize(payload.size());
    boost::asio::write(socket_, boost::asio::buffer(payload));
    boost::asio::read(socket_, boost::asio::buffer(reply_));
    return true;
  }

  void close() { socket_.close(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string reply_;
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

void run(const Args& args, const Scenario& scenario, int clients) {
  const std::string payload(scenario.payload_bytes, 'A');  // base64-like: no escaping needed
  std::string text_frame, binary_frame;
  std::size_t expected_size = 0;
  if (scenario.binary) {
    text_frame = R"(451-["message",{"_placeholder":true,"num":0}])";
    binary_frame = payload;
  } else {
    text_frame = R"(42["message",")" + payload + R"("])";
    expected_size = text_frame.size() + std::string_view("-back").size();
  }
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::atomic<std::size_t> failures{0};
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(args.seconds));
  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      std::vector<double> mine;
      try {
        const auto measure = [&](auto& client, auto round_trip) {
          while (Clock::now() < deadline) {
            const auto sent = Clock::now();
            if (!round_trip(client)) ++failures;
            mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
          }
          client.close();
        };
        if (args.raw_tcp) {
          TcpEchoClient client(args);
          measure(client, [&](TcpEchoClient& tcp) { return tcp.round_trip(payload); });
        } else {
          EchoClient client(args);
          measure(client,
                  [&](EchoClient& socketio) { return socketio.round_trip(text_frame, binary_frame, expected_size); });
        }
      } catch (const std::exception& error) {
        std::cerr << args.label << ": client failed: " << error.what() << "\n";
        ++failures;
      }
      const std::scoped_lock lock(mutex);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double messages_per_s = static_cast<double>(latencies_ms.size()) / elapsed;
  const double mib_per_s = messages_per_s * static_cast<double>(scenario.payload_bytes) / (1024.0 * 1024.0);
  std::printf(
      "{\"server\":\"%s\",\"scenario\":\"%s\",\"clients\":%d,\"messages\":%zu,\"failures\":%zu,"
      "\"messages_per_s\":%.1f,\"mib_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
      args.label.c_str(), scenario.name.c_str(), clients, latencies_ms.size(), failures.load(), messages_per_s,
      mib_per_s, percentile(latencies_ms, 0.50), percentile(latencies_ms, 0.99));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--raw-tcp") {
      args.raw_tcp = true;
      continue;
    }
    if (i + 1 == argc) break;
    if (flag == "--port")
      args.port = argv[i + 1];
    else if (flag == "--host")
      args.host = argv[i + 1];
    else if (flag == "--label")
      args.label = argv[i + 1];
    else if (flag == "--seconds")
      args.seconds = std::stod(argv[i + 1]);
    ++i;
  }
  if (args.port.empty()) {
    std::cerr << "usage: socketio_echo_client --port N [--host H] [--label L] [--seconds S] [--raw-tcp]\n";
    return 2;
  }
  std::vector<Scenario> scenarios{
      {"text_1KiB", 1024, false}, {"text_1.5MiB", 3u << 19, false}, {"binary_1.5MiB", 3u << 19, true}};
  if (args.raw_tcp) scenarios = {{"tcp_1.5MiB", 3u << 19, true}};
  for (const auto& scenario : scenarios) {
    for (int clients : args.client_counts) run(args, scenario, clients);
  }
}
