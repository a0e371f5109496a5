#include "app/server_app.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <thread>

#include "app/config.h"
#include "app/orphan_reaper.h"
#include "app/routes.h"
#include "observability/log.h"
#include "pipeline/compute_pool.h"
#include "protocol/service.h"
#include "socketio/server.h"
#include "util/heap.h"

namespace sts::app {
namespace {

namespace asio = boost::asio;
using observability::log_error;
using observability::log_info;

protocol::ProtocolSettings protocol_settings(const Config& config) {
  protocol::ProtocolSettings settings;
  settings.init_defaults = {config.max_inflight, config.fragment_timeout_ms};
  settings.backpressure = {config.backpressure_medium, config.backpressure_high, config.backpressure_max};
  settings.stream_close_delay = std::chrono::milliseconds(config.stream_close_delay_ms);
  settings.resume_grace = std::chrono::milliseconds(config.stream_resume_grace_ms);
  settings.max_fragment_bytes = static_cast<std::size_t>(config.max_fragment_bytes);
  settings.api_key = config.api_key;
  return settings;
}

socketio::ServerOptions server_options(const Config& config) {
  socketio::ServerOptions options;
  options.engine.ping_interval = std::chrono::milliseconds(config.ping_interval_ms);
  options.engine.ping_timeout = std::chrono::milliseconds(config.ping_timeout_ms);
  options.engine.max_payload = static_cast<std::size_t>(config.max_payload_bytes);
  options.engine.affinity_cookie = config.affinity_cookie;
  return options;
}

// SIGTERM/SIGINT: stop accepting, let what is in flight finish and be delivered
// (until the deadline, after which it is delivered as TIMEOUT failures), close every
// connection, stop. A second signal stops at once.
class Shutdown {
 public:
  Shutdown(asio::io_context& io, socketio::Server& server, protocol::StsService& service,
           std::chrono::milliseconds deadline)
      : io_(io), server_(server), service_(service), deadline_(deadline), signals_(io, SIGINT, SIGTERM), timer_(io) {
    wait_for_signal();
  }

 private:
  void wait_for_signal() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      if (started_) {
        log_info("second signal: stopping now");
        io_.stop();
        return;
      }
      started_ = true;
      log_info("shutting down: draining in-flight fragments",
               {{"signal", signal}, {"in_flight", service_.in_flight()}, {"deadline_ms", deadline_.count()}});
      server_.stop_accepting();
      timer_.expires_after(deadline_);
      timer_.async_wait([this](boost::system::error_code timer_ec) {
        if (timer_ec) return;
        log_info("shutdown deadline passed: failing what is still pending", {{"in_flight", service_.in_flight()}});
        service_.expire_all();
      });
      service_.begin_drain([this] { asio::post(io_, [this] { close_connections(); }); });
      wait_for_signal();
    });
  }

  void close_connections() {
    timer_.cancel();
    log_info("drained: closing connections", {{"connections", server_.session_count()}});
    server_.stop();
    closing_since_ = std::chrono::steady_clock::now();
    wait_for_close();
  }

  // Sessions flush what they queued before closing; give them a moment, not forever.
  void wait_for_close() {
    if (server_.session_count() == 0 || std::chrono::steady_clock::now() - closing_since_ > std::chrono::seconds(2)) {
      signals_.cancel();
      io_.stop();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(20));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) wait_for_close();
    });
  }

  asio::io_context& io_;
  socketio::Server& server_;
  protocol::StsService& service_;
  const std::chrono::milliseconds deadline_;
  asio::signal_set signals_;
  asio::steady_timer timer_;
  bool started_ = false;
  std::chrono::steady_clock::time_point closing_since_;
};

// Wires the service around a loaded pipeline and serves until shut down; the exit status.
int serve(const Config& config, const pipeline::Pipeline& pipeline, protocol::VoiceCatalog&& catalog) {
  const auto started = std::chrono::steady_clock::now();
  observability::Registry metrics;
  protocol::ServiceMonitor monitor(metrics);
  pipeline::ComputePool pool(static_cast<std::size_t>(config.compute_threads));
  asio::io_context io(config.network_threads);
  socketio::Server server(io, server_options(config));
  protocol::StsService service(protocol_settings(config), pipeline, pool, std::move(catalog), monitor);
  service.attach(server.of("/"));
  const ServiceParts parts{pipeline, service, monitor, server, pool, metrics, started};
  add_service_metrics(parts);
  add_operator_routes(server, parts);
  add_web_routes(server, config.web_root);

  std::uint16_t port = 0;
  try {
    port = server.listen(config.host, config.port);
  } catch (const std::exception& error) {
    std::cerr << "sts-server: cannot listen on " << config.host << ":" << config.port << ": " << error.what() << "\n";
    return 2;
  }
  Shutdown shutdown(io, server, service, std::chrono::milliseconds(config.shutdown_timeout_ms));
  const OrphanReaper reaper(io);
  log_info("listening", {{"host", config.host},
                         {"port", port},
                         {"pipeline", config.pipeline},
                         {"network_threads", config.network_threads},
                         {"compute_threads", config.compute_threads},
                         {"auth", config.api_key.has_value()}});
  std::cout << "listening on port " << port << std::endl;

  std::vector<std::thread> threads;
  for (int i = 1; i < config.network_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : threads) thread.join();
  // Jobs still running post into a stopped io_context, which is harmless; they must
  // finish before the pipeline and the context go away.
  pool.join();
  log_info("stopped");
  return 0;
}

}  // namespace

int run_server(int argc, char** argv, pipeline::PipelineRegistry pipelines) {
  util::keep_freed_buffers();
  std::vector<std::string> names;
  for (const auto& [name, factory] : pipelines) names.push_back(name);
  auto request = load_config(std::vector<std::string>(argv + 1, argv + argc), process_env, names);
  if (!request) {
    std::cerr << "sts-server: " << request.error() << "\n";
    return 2;
  }
  if (request->help) {
    std::cout << config_help(names);
    return 0;
  }
  const Config& config = request->config;
  observability::set_log_level(config.log_level);
  auto catalog = load_voice_catalog(config);
  if (!catalog) {
    std::cerr << "sts-server: VOICE_PROFILES_PATH: " << catalog.error() << "\n";
    return 2;
  }

  auto built = build_pipeline(config, pipelines);
  if (!built) {
    const std::string_view code = wire_name(ErrorCode::model_load_failed);
    log_error(code, {{"code", code}, {"message", built.error()}});
    std::cerr << "sts-server: " << code << ": " << built.error() << "\n";
    return 3;
  }
  const std::unique_ptr<pipeline::Pipeline> pipeline = std::move(*built);
  return serve(config, *pipeline, std::move(*catalog));
}

}  // namespace sts::app
