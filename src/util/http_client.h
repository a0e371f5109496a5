// A few kept-alive HTTP connections to one URL, lent one POST at a time: the
// transport under the engines that call a remote service (deepl, the http TTS).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "util/readiness.h"

namespace sts::util {

struct HttpClientSettings {
  std::string url;                   // every request is a POST here
  std::vector<std::string> headers;  // "Name: value", sent with every request
  // Establishing TCP (and TLS) may take this long; the request's deadline bounds
  // the whole call, connecting included.
  std::chrono::milliseconds connect_timeout{2000};
  // Requests in flight at once, each on its own kept-alive connection; more callers
  // wait for one (until their deadline).
  std::size_t max_connections = 4;
  // A longer answer fails as a transport error rather than growing without bound.
  std::size_t max_response_bytes = std::size_t{4} << 20;
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

struct HttpError {
  enum class Kind {
    busy,       // no connection came free before the deadline
    timeout,    // the answer did not arrive before the deadline
    transport,  // refused, unresolvable, reset, TLS
    oversized,  // the answer passed max_response_bytes
  };
  Kind kind = Kind::transport;
  std::string message;  // curl's own words, or what was exceeded

  // busy and timeout: the call's deadline passed, which every engine reports as
  // TIMEOUT (retryable); transport failures each engine maps to its own code.
  bool deadline_passed() const { return kind == Kind::busy || kind == Kind::timeout; }
  // What happened, for the failure message: `timeout` is the call's whole allowance.
  std::string describe(std::chrono::milliseconds timeout) const;
};

// Initializes libcurl, once per process; false when it could not (out of memory).
// Engines call it first, to report the failure as their own start-up error.
bool http_available();

// Only http and https URLs: a service URL from the configuration is the sole way a
// URL gets to an HttpClient.
bool is_http_url(const std::string& url);

class HttpClient {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to nothing: connections open on first use. Throws std::runtime_error
  // when libcurl is not available, std::invalid_argument for no connections.
  explicit HttpClient(HttpClientSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One POST of `body` (sent as it is; the Content-Type comes from the headers, or is
  // curl's application/x-www-form-urlencoded). Any HTTP status is a response; only a
  // missing answer is an error. Safe to call from many threads at once.
  tl::expected<HttpResponse, HttpError> post(std::string_view body, Clock::time_point deadline) const;

  // Not ready while the last call could not reach the service (refused, reset,
  // unresolvable), as RecentFailure says. A timeout is no evidence: calls get what is
  // left of their fragment's deadline, so a backlog here times them out too.
  Readiness readiness() const { return outcome_.readiness(); }
  // Callers waiting for a connection, and the handles made so far (one connection
  // each), for the metrics of the engine that owns this client.
  PoolUsage pool_usage() const;

 private:
  tl::expected<HttpResponse, HttpError> perform(std::string_view body, Clock::time_point deadline) const;

  class Connections;
  std::unique_ptr<Connections> connections_;
  mutable RecentFailure outcome_;
};

}  // namespace sts::util
