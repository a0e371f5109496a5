// HttpClient over libcurl: a small pool of easy handles, each keeping its connection
// (and TLS session) alive between the calls it serves.
#include "util/http_client.h"

#include <curl/curl.h>

#include <array>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <utility>

#include "util/lending_pool.h"

namespace sts::util {

std::string HttpError::describe(std::chrono::milliseconds timeout) const {
  const auto allowance = std::to_string(timeout.count()) + " ms";
  switch (kind) {
    case Kind::busy: return "no free connection within " + allowance;
    case Kind::timeout: return "no answer within " + allowance + " (" + message + ")";
    case Kind::transport:
    case Kind::oversized: break;
  }
  return message;
}

namespace {

void require_curl() {
  if (!http_available()) throw std::runtime_error("libcurl failed to initialize");
}

// Where one call's answer goes; `overflowed` tells a cut-off answer from a reset.
struct Sink {
  std::string body;
  std::size_t max = 0;
  bool overflowed = false;
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& sink = *static_cast<Sink*>(user);
  const std::size_t bytes = size * count;
  if (sink.body.size() + bytes > sink.max) {
    sink.overflowed = true;
    return 0;  // curl fails with CURLE_WRITE_ERROR
  }
  sink.body.append(data, bytes);
  return bytes;
}

}  // namespace

bool http_available() {
  // curl_global_init is not thread-safe and must precede every other curl call.
  static const bool available = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return available;
}

bool is_http_url(const std::string& url) {
  require_curl();
  CURLU* parsed = curl_url();
  if (parsed == nullptr) return false;
  char* scheme = nullptr;
  bool ok = curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
            curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            (std::string_view(scheme) == "http" || std::string_view(scheme) == "https");
  curl_free(scheme);
  curl_url_cleanup(parsed);
  return ok;
}

// Easy handles lent one call at a time, made on first need up to max_connections. The
// pool lends the handle given back last, from the top of its idle stack: that one
// usually still has a warm connection.
class HttpClient::Connections {
 public:
  struct Handle {
    Handle() = default;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { curl_easy_cleanup(curl); }

    CURL* curl = nullptr;
    std::array<char, CURL_ERROR_SIZE> error{};
  };
  using Pool = LendingPool<Handle>;

  explicit Connections(HttpClientSettings settings)
      : settings_(std::move(settings)), pool_(settings_.max_connections, [this] { return create(); }) {
    for (const std::string& header : settings_.headers) append_header(header);
    // "Expect:" drops curl's 100-continue round trip before larger bodies.
    append_header("Expect:");
  }

  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  const HttpClientSettings& settings() const { return settings_; }

  // A free handle, or nothing when none was free before `deadline`.
  std::optional<Pool::Lease> lend(Clock::time_point deadline) { return pool_.acquire_until(deadline); }

  PoolUsage usage() const { return pool_.usage(); }

 private:
  struct HeaderList {
    HeaderList() = default;
    HeaderList(const HeaderList&) = delete;
    HeaderList& operator=(const HeaderList&) = delete;
    ~HeaderList() { curl_slist_free_all(list); }

    curl_slist* list = nullptr;
  };

  void append_header(const std::string& header) {
    curl_slist* extended = curl_slist_append(headers_.list, header.c_str());
    if (extended == nullptr) throw std::bad_alloc();
    headers_.list = extended;
  }

  // Options that never change; post() sets the per-call ones. No network here. Null
  // when curl has no memory for a handle, as the pool's factory says.
  Pool::Item create() const {
    auto handle = std::make_unique<Handle>();
    handle->curl = curl_easy_init();
    if (handle->curl == nullptr) return nullptr;
    CURL* curl = handle->curl;
    curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_.list);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "sts-service");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are threaded
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 1L);  // one host: one connection per handle
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle->error.data());
    return handle;
  }

  const HttpClientSettings settings_;
  HeaderList headers_;  // shared by every handle: declared before the pool, so freed after them
  Pool pool_;
};

HttpClient::HttpClient(HttpClientSettings settings) {
  if (settings.max_connections == 0) throw std::invalid_argument("an HTTP client needs at least one connection");
  require_curl();
  connections_ = std::make_unique<Connections>(std::move(settings));
}

HttpClient::~HttpClient() = default;

PoolUsage HttpClient::pool_usage() const { return connections_->usage(); }

tl::expected<HttpResponse, HttpError> HttpClient::post(std::string_view body, Clock::time_point deadline) const {
  auto response = perform(body, deadline);
  if (response)
    outcome_.succeeded();
  else if (response.error().kind == HttpError::Kind::transport)
    outcome_.failed(response.error().message);
  return response;
}

tl::expected<HttpResponse, HttpError> HttpClient::perform(std::string_view body, Clock::time_point deadline) const {
  const auto lease = connections_->lend(deadline);
  const auto busy = [] { return tl::unexpected(HttpError{HttpError::Kind::busy, "no free connection"}); };
  if (!lease) return busy();

  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return busy();

  Sink sink{{}, connections_->settings().max_response_bytes, false};
  Connections::Handle& handle = **lease;
  CURL* curl = handle.curl;
  handle.error[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));  // 0 would mean "never"
  const CURLcode code = curl_easy_perform(curl);
  // The body and the sink die with this call; the handle must not keep pointing at them.
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);

  if (code != CURLE_OK) {
    if (sink.overflowed) {
      return tl::unexpected(
          HttpError{HttpError::Kind::oversized, "answer longer than " + std::to_string(sink.max) + " bytes"});
    }
    std::string reason = handle.error[0] != '\0' ? handle.error.data() : curl_easy_strerror(code);
    const auto kind = code == CURLE_OPERATION_TIMEDOUT ? HttpError::Kind::timeout : HttpError::Kind::transport;
    return tl::unexpected(HttpError{kind, std::move(reason)});
  }
  HttpResponse response;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(sink.body);
  return response;
}

}  // namespace sts::util
