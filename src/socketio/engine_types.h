// Types shared by the Engine.IO server and its users: settings, handshake data, the
// listener interface through which the layer above receives a session's messages.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace sts::socketio {

struct EngineOptions {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  // Largest message accepted on either transport, and the polling request body limit.
  std::size_t max_payload = 1'000'000;
  // A session whose unsent data passes this is closed: a peer that does not read must
  // not make the server buffer without bound.
  std::size_t max_send_queue_bytes = 256u << 20;
  // python-engineio 4.3 clients mis-handle long polling payloads; 16 is safe.
  std::size_t max_packets_per_poll = 16;
  std::string path = "/socket.io";
  // The affinity cookie's name (docs/protocol.md §2, resume): every handshake response
  // sets it to the session's affinity key, so a reconnecting client (and a load
  // balancer) can be recognised. Empty: no cookie.
  std::string affinity_cookie;
};

enum class Transport { polling, websocket };

// What the transport has carried since start, for metrics: sessions open by current
// transport, and Engine.IO message bytes each way.
struct TrafficSnapshot {
  std::int64_t polling_sessions = 0;
  std::int64_t websocket_sessions = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
};

class TrafficCounters {
 public:
  void opened(Transport transport) { sessions(transport).fetch_add(1, std::memory_order_relaxed); }
  void closed(Transport transport) { sessions(transport).fetch_sub(1, std::memory_order_relaxed); }
  void received(std::size_t bytes) { received_.fetch_add(bytes, std::memory_order_relaxed); }
  void sent(std::size_t bytes) { sent_.fetch_add(bytes, std::memory_order_relaxed); }
  TrafficSnapshot snapshot() const {
    return {polling_.load(std::memory_order_relaxed), websocket_.load(std::memory_order_relaxed),
            received_.load(std::memory_order_relaxed), sent_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<std::int64_t>& sessions(Transport transport) {
    return transport == Transport::polling ? polling_ : websocket_;
  }
  std::atomic<std::int64_t> polling_{0};
  std::atomic<std::int64_t> websocket_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> sent_{0};
};

struct Handshake {
  std::string remote_address;
  // The affinity cookie's value as the client presented it, else a new one; empty
  // without an affinity cookie.
  std::string affinity_key;
  std::map<std::string, std::string> headers;  // names in lower case
  std::map<std::string, std::string> query;
  std::string header(std::string_view lower_case_name) const;
  std::string query_value(std::string_view name) const;
};

// Receives one session's messages, on that session's strand. `readable_past_end`:
// allocated bytes after the message that a parser may read (util::kJsonPadding).
class SessionListener {
 public:
  virtual ~SessionListener() = default;
  virtual void on_message(std::string_view data, bool binary, std::size_t readable_past_end) = 0;
  virtual void on_close(std::string_view reason) = 0;
};

class EngineSession;
using OpenHandler = std::function<std::shared_ptr<SessionListener>(const std::shared_ptr<EngineSession>&)>;

struct HttpRequestInfo {
  std::string_view path;
  std::string_view query;
  const Handshake& handshake;
};

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string set_cookie{};  // a Set-Cookie header, unless empty; `{}`: brace-initialised replies may leave it out
};

using HttpHandler = std::function<HttpReply(const HttpRequestInfo&)>;

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

}  // namespace sts::socketio
