#include "socketio/engine_server.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <optional>
#include <string>

#include "socketio/engine_registry.h"
#include "socketio/engine_session.h"
#include "socketio/http_util.h"

namespace sts::socketio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;

struct EngineServer::Shared {
  std::map<std::string, HttpHandler, std::less<>> routes;
};

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::size_t kHeaderLimit = 16 * 1024;

// Engine.IO's error bodies, so clients and people reading logs see familiar codes.
HttpReply engine_error(int code, std::string_view message, unsigned status = 400) {
  return {status, "application/json",
          "{\"code\":" + std::to_string(code) + ",\"message\":\"" + std::string(message) + "\"}"};
}

Handshake make_handshake(const Request& request, const tcp::socket& socket, std::string_view query,
                         std::string_view affinity_cookie = {}) {
  Handshake handshake;
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (!ec) handshake.remote_address = endpoint.address().to_string();
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    handshake.headers[std::move(name)] = std::string(field.value());
  }
  handshake.query = parse_query(query);
  if (!affinity_cookie.empty()) {
    handshake.affinity_key = cookie_value(handshake.header("cookie"), affinity_cookie);
    if (handshake.affinity_key.empty()) handshake.affinity_key = random_id();
  }
  return handshake;
}

// HttpOnly: pages' scripts have no use for it. No Max-Age: it lasts the client's session.
std::string affinity_set_cookie(std::string_view name, const Handshake& handshake) {
  return std::string(name) + "=" + handshake.affinity_key + "; Path=/; HttpOnly";
}

Response make_response(const Request& request, HttpReply reply) {
  Response response{static_cast<http::status>(reply.status), request.version()};
  response.set(http::field::content_type, reply.content_type);
  if (const auto origin = request[http::field::origin]; !origin.empty()) {
    // Browsers send credentials with socket.io-client's default withCredentials;
    // reflecting the origin (not "*") is what lets them read the answer.
    response.set(http::field::access_control_allow_origin, origin);
    response.set(http::field::access_control_allow_credentials, "true");
  }
  if (!reply.set_cookie.empty()) response.set(http::field::set_cookie, reply.set_cookie);
  response.body() = std::move(reply.body);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

Response preflight_response(const Request& request) {
  Response response = make_response(request, {204, "text/plain", ""});
  response.set(http::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
  if (const auto headers = request[http::field::access_control_request_headers]; !headers.empty()) {
    response.set(http::field::access_control_allow_headers, headers);
  }
  return response;
}

class Connection {
 public:
  Connection(asio::io_context& io, std::shared_ptr<EngineServer::Shared> shared,
             std::shared_ptr<EngineRegistry> registry, tcp::socket socket)
      : io_(io), shared_(std::move(shared)), registry_(std::move(registry)), stream_(std::move(socket)) {}

  asio::awaitable<void> run() {
    error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(registry_->options().max_payload);
      co_await http::async_read(stream_, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::body_limit) {
        co_await reject_oversized_body(parser.get());
        co_return;
      }
      if (ec) co_return;
      Request request = parser.release();
      if (websocket::is_upgrade(request)) {
        co_await accept_websocket(std::move(request));
        co_return;
      }
      Response response = co_await respond(request);
      const bool keep_alive = response.keep_alive();
      co_await http::async_write(stream_, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep_alive) break;
    }
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

 private:
  struct Target {
    std::string_view path;
    std::string_view query;
  };

  static Target split_target(std::string_view target) {
    const std::size_t question = target.find('?');
    if (question == std::string_view::npos) return {target, {}};
    return {target.substr(0, question), target.substr(question + 1)};
  }

  bool is_engine_path(std::string_view path) const {
    const std::string& base = registry_->options().path;
    return path == base || (path.size() == base.size() + 1 && path.starts_with(base) && path.back() == '/');
  }

  asio::awaitable<Response> respond(const Request& request) {
    const auto [path, query] = split_target(request.target());
    if (request.method() == http::verb::options) co_return preflight_response(request);
    if (is_engine_path(path)) {
      co_return make_response(request, co_await serve_polling(request, query));
    }
    if (request.method() == http::verb::get || request.method() == http::verb::head) {
      if (const auto route = shared_->routes.find(path); route != shared_->routes.end()) {
        const Handshake handshake = make_handshake(request, stream_.socket(), query);
        co_return make_response(request, route->second(HttpRequestInfo{path, query, handshake}));
      }
    }
    co_return make_response(request, {404, "application/json", R"({"error":"not found"})"});
  }

  // Checks EIO and transport; returns an error reply when they are not acceptable.
  static std::optional<HttpReply> check_engine_query(const std::map<std::string, std::string>& query,
                                                     std::string_view expected_transport) {
    const auto eio = query.find("EIO");
    if (eio == query.end() || eio->second != "4") return engine_error(5, "Unsupported protocol version");
    const auto transport = query.find("transport");
    if (transport == query.end() || (transport->second != "polling" && transport->second != "websocket") ||
        transport->second != expected_transport) {
      return engine_error(0, "Transport unknown");
    }
    return std::nullopt;
  }

  asio::awaitable<HttpReply> serve_polling(const Request& request, std::string_view query_text) {
    const auto query = parse_query(query_text);
    if (auto error = check_engine_query(query, "polling")) co_return *error;
    const bool is_get = request.method() == http::verb::get;
    const bool is_post = request.method() == http::verb::post;
    const auto sid = query.find("sid");
    if (sid == query.end()) {
      if (!is_get) co_return engine_error(2, "Bad handshake method");
      const std::string& cookie = registry_->options().affinity_cookie;
      auto session = std::make_shared<EngineSession>(io_, registry_, random_id(),
                                                     make_handshake(request, stream_.socket(), query_text, cookie));
      registry_->add(session, session->sid());
      HttpReply reply = co_await asio::co_spawn(session->strand(), session->open_polling(session), asio::use_awaitable);
      if (!cookie.empty()) reply.set_cookie = affinity_set_cookie(cookie, session->handshake());
      co_return reply;
    }
    auto session = registry_->find(sid->second);
    if (!session) co_return engine_error(1, "Session ID unknown");
    if (is_get)
      co_return co_await asio::co_spawn(session->strand(), session->handle_poll_get(session), asio::use_awaitable);
    if (is_post) {
      co_return co_await asio::co_spawn(session->strand(), session->handle_poll_post(session, request.body()),
                                        asio::use_awaitable);
    }
    co_return engine_error(2, "Bad handshake method");
  }

  asio::awaitable<void> reject_oversized_body(const Request& partial) {
    const auto [path, query_text] = split_target(partial.target());
    const auto query = parse_query(query_text);
    if (const auto sid = query.find("sid"); sid != query.end()) {
      if (auto session = registry_->find(sid->second)) session->close("payload too large");
    }
    Response response = make_response(partial, engine_error(3, "Payload too large", 413));
    response.keep_alive(false);
    error_code ec;
    co_await http::async_write(stream_, response, asio::redirect_error(asio::use_awaitable, ec));
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  asio::awaitable<void> accept_websocket(Request request) {
    const auto [path, query_text] = split_target(request.target());
    const auto query = parse_query(query_text);
    std::optional<HttpReply> error;
    if (!is_engine_path(path)) {
      error = HttpReply{404, "application/json", R"({"error":"not found"})"};
    } else {
      error = check_engine_query(query, "websocket");
    }
    std::shared_ptr<EngineSession> session;
    if (!error) {
      if (const auto sid = query.find("sid"); sid != query.end()) {
        session = registry_->find(sid->second);
        if (!session) error = engine_error(1, "Session ID unknown");
      }
    }
    error_code ec;
    if (error) {
      Response response = make_response(request, std::move(*error));
      response.keep_alive(false);
      co_await http::async_write(stream_, response, asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    const bool upgrade = session != nullptr;
    const std::string& cookie = registry_->options().affinity_cookie;
    std::optional<Handshake> opening;
    if (!upgrade) opening = make_handshake(request, stream_.socket(), query_text, cookie);
    // Beast answers the upgrade; the frames that follow are ours (websocket_connection.h).
    websocket::stream<beast::tcp_stream> handshake(std::move(stream_));
    std::string set_cookie = opening && !cookie.empty() ? affinity_set_cookie(cookie, *opening) : std::string();
    handshake.set_option(websocket::stream_base::decorator([set_cookie](websocket::response_type& response) {
      response.set(http::field::server, "sts-socketio");
      if (!set_cookie.empty()) response.set(http::field::set_cookie, set_cookie);
    }));
    co_await handshake.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (!upgrade) {
      session = std::make_shared<EngineSession>(io_, registry_, random_id(), std::move(*opening));
      registry_->add(session, session->sid());
    }
    // Audio is incompressible base64: permessage-deflate is never offered.
    auto ws = std::make_shared<WebSocketConnection>(std::move(handshake.next_layer()), session->strand(),
                                                    registry_->options().max_payload);
    if (upgrade) {
      asio::co_spawn(session->strand(), session->run_upgrade(session, ws), asio::detached);
    } else {
      asio::co_spawn(session->strand(), session->open_websocket(session, ws), asio::detached);
    }
  }

  asio::io_context& io_;
  std::shared_ptr<EngineServer::Shared> shared_;
  std::shared_ptr<EngineRegistry> registry_;
  beast::tcp_stream stream_;
};

asio::awaitable<void> accept_loop(asio::io_context& io, tcp::acceptor& acceptor,
                                  std::shared_ptr<EngineServer::Shared> shared,
                                  std::shared_ptr<EngineRegistry> registry) {
  for (;;) {
    error_code ec;
    // Each connection gets its own strand: its socket's executor.
    tcp::socket socket =
        co_await acceptor.async_accept(asio::make_strand(io), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    const auto executor = socket.get_executor();
    auto connection = std::make_shared<Connection>(io, shared, registry, std::move(socket));
    asio::co_spawn(
        executor, [connection]() { return connection->run(); }, asio::detached);
  }
}

}  // namespace

EngineServer::EngineServer(asio::io_context& io, EngineOptions options, OpenHandler on_open)
    : io_(io),
      shared_(std::make_shared<Shared>()),
      registry_(std::make_shared<EngineRegistry>(std::move(options), std::move(on_open))),
      acceptor_(asio::make_strand(io)) {}

EngineServer::~EngineServer() { registry_->clear(); }

TrafficSnapshot EngineServer::traffic() const { return registry_->traffic().snapshot(); }

void EngineServer::add_route(std::string path, HttpHandler handler) {
  shared_->routes[std::move(path)] = std::move(handler);
}

std::uint16_t EngineServer::listen(const std::string& address, std::uint16_t port) {
  const tcp::endpoint endpoint(asio::ip::make_address(address), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(acceptor_.get_executor(), accept_loop(io_, acceptor_, shared_, registry_), asio::detached);
  return acceptor_.local_endpoint().port();
}

void EngineServer::stop_accepting() {
  asio::post(acceptor_.get_executor(), [this] {
    error_code ec;
    acceptor_.close(ec);
  });
}

void EngineServer::stop() {
  stop_accepting();
  registry_->for_each([](const std::shared_ptr<EngineSession>& session) { session->close("server shutting down"); });
}

std::size_t EngineServer::session_count() const { return registry_->size(); }

}  // namespace sts::socketio
