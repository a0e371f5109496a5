#include "app/routes.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "observability/gpu.h"
#include "observability/log.h"

namespace sts::app {
namespace {

using util::Json;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// engines() with each stage's readiness merged in.
Json engines_with_readiness(const pipeline::Pipeline& pipeline) {
  Json engines = pipeline.engines();
  for (const auto& [stage, readiness] : pipeline.readiness()) {
    Json& engine = engines[stage];
    engine["ready"] = readiness.ready;
    if (!readiness.ready) engine["detail"] = readiness.detail;
  }
  return engines;
}

Json connections_json(const socketio::Server& server) {
  const auto traffic = server.traffic();
  return {{"websocket", traffic.websocket_sessions}, {"polling", traffic.polling_sessions}};
}

socketio::HttpReply json_reply(unsigned status, const Json& body) {
  return {status, "application/json", util::to_json(body)};
}

socketio::HttpReply health(const ServiceParts& parts) {
  Json engines = engines_with_readiness(parts.pipeline);
  Json not_ready = Json::array();
  for (const auto& [stage, engine] : engines.items()) {
    if (!engine.value("ready", true)) not_ready.push_back(stage + ": " + engine.value("detail", std::string()));
  }
  const bool ok = not_ready.empty();
  Json body = {{"status", ok ? "ok" : "unavailable"},
               {"version", STS_VERSION},
               {"uptime_s", seconds_since(parts.started)},
               {"pipeline", parts.pipeline.name()},
               {"engines", std::move(engines)},
               {"active_streams", parts.monitor.active_streams()},
               {"in_flight", parts.service.in_flight()},
               {"connections", connections_json(parts.server)}};
  if (!ok) body["not_ready"] = std::move(not_ready);
  return json_reply(ok ? 200 : 503, body);
}

socketio::HttpReply status(const ServiceParts& parts) {
  Json body = parts.monitor.status();
  body.update({{"version", STS_VERSION},
               {"uptime_s", seconds_since(parts.started)},
               {"pipeline", parts.pipeline.name()},
               {"engines", engines_with_readiness(parts.pipeline)},
               {"connections", connections_json(parts.server)},
               {"in_flight", parts.service.in_flight()},
               {"queued", parts.pool.queued()}});
  return json_reply(200, body);
}

std::string content_type(const std::filesystem::path& file) {
  static const std::map<std::string, std::string, std::less<>> kTypes = {{".html", "text/html; charset=utf-8"},
                                                                         {".js", "text/javascript; charset=utf-8"},
                                                                         {".mjs", "text/javascript; charset=utf-8"},
                                                                         {".css", "text/css; charset=utf-8"},
                                                                         {".json", "application/json"},
                                                                         {".svg", "image/svg+xml"},
                                                                         {".png", "image/png"},
                                                                         {".ico", "image/x-icon"},
                                                                         {".wav", "audio/wav"}};
  const auto found = kTypes.find(file.extension().string());
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

void add_file_route(socketio::Server& server, const std::string& route, const std::filesystem::path& file) {
  auto body = read_file(file);
  if (!body) {
    observability::log_warning("web file not served: cannot read it", {{"route", route}, {"path", file.string()}});
    return;
  }
  auto reply =
      std::make_shared<const socketio::HttpReply>(socketio::HttpReply{200, content_type(file), std::move(*body)});
  server.add_route(route, [reply](const socketio::HttpRequestInfo&) { return *reply; });
}

void add_traffic_metrics(const ServiceParts& parts) {
  auto& registry = parts.registry;
  auto& in_flight = registry.gauge("sts_fragments_in_flight", "Fragments accepted and not yet delivered.").with({});
  auto& queue_depth = registry.gauge("sts_compute_queue_depth", "Fragment jobs waiting for a compute thread.").with({});
  auto& connections = registry.gauge("sts_connections", "Engine.IO sessions open, by transport.", {"transport"});
  auto& polling = connections.with({"polling"});
  auto& websocket = connections.with({"websocket"});
  auto& bytes = registry.counter("sts_transport_bytes_total", "Engine.IO message bytes, by direction.", {"direction"});
  auto& bytes_in = bytes.with({"in"});
  auto& bytes_out = bytes.with({"out"});
  registry.add_collector([&parts, &in_flight, &queue_depth, &polling, &websocket, &bytes_in, &bytes_out] {
    in_flight.set(static_cast<double>(parts.service.in_flight()));
    queue_depth.set(static_cast<double>(parts.pool.queued()));
    const auto traffic = parts.server.traffic();
    polling.set(static_cast<double>(traffic.polling_sessions));
    websocket.set(static_cast<double>(traffic.websocket_sessions));
    bytes_in.advance_to(static_cast<double>(traffic.bytes_received));
    bytes_out.advance_to(static_cast<double>(traffic.bytes_sent));
  });
}

// A pool with waiters is an engine that has become the bottleneck: more fragments want
// a decoder (or a translator process, or a connection) than there are.
void add_engine_pool_metrics(const ServiceParts& parts) {
  auto& registry = parts.registry;
  auto& pool_waiting = registry.gauge("sts_engine_pool_waiting",
                                      "Calls waiting for an engine's decoder, process or connection.", {"engine"});
  auto& pool_size =
      registry.gauge("sts_engine_pool_size", "Decoders, processes or connections an engine has.", {"engine"});
  registry.add_collector([&parts, &pool_waiting, &pool_size] {
    for (const auto& [engine, usage] : parts.pipeline.pool_usage()) {
      pool_waiting.with({engine}).set(static_cast<double>(usage.waiting));
      pool_size.with({engine}).set(static_cast<double>(usage.size));
    }
  });
}

// docs/protocol.md §6: present, and 0, on machines without a GPU.
void add_gpu_metrics(observability::Registry& registry) {
  auto& gpu_devices = registry.gauge("sts_gpu_devices", "GPUs NVML reports (0 without NVML).").with({});
  auto& gpu_utilization = registry.gauge("sts_gpu_utilization_percent", "GPU utilization, mean over devices.").with({});
  auto& gpu_memory_used = registry.gauge("sts_gpu_memory_used_bytes", "GPU memory in use, all devices.").with({});
  auto& gpu_memory_total = registry.gauge("sts_gpu_memory_total_bytes", "GPU memory, all devices.").with({});
  std::shared_ptr<observability::GpuMonitor> gpu = observability::GpuMonitor::open();
  observability::log_info(gpu ? "GPU metrics from NVML" : "no NVML: GPU metrics stay 0");
  if (gpu) {
    registry.add_collector([gpu, &gpu_devices, &gpu_utilization, &gpu_memory_used, &gpu_memory_total] {
      const auto sample = gpu->sample();
      gpu_devices.set(sample.devices);
      gpu_utilization.set(sample.utilization_percent);
      gpu_memory_used.set(static_cast<double>(sample.memory_used_bytes));
      gpu_memory_total.set(static_cast<double>(sample.memory_total_bytes));
    });
  }
}

void add_build_info(const ServiceParts& parts) {
  std::vector<std::string> label_names = {"version", "pipeline"};
  std::vector<std::string> label_values = {STS_VERSION, std::string(parts.pipeline.name())};
  const Json engines = parts.pipeline.engines();
  for (const auto& [stage, engine] : engines.items()) {
    label_names.push_back(stage + "_engine");
    label_values.push_back(engine.value("engine", std::string()));
    label_names.push_back(stage + "_model");
    label_values.push_back(engine.value("model", std::string()));
  }
  parts.registry
      .gauge("sts_build_info", "Always 1: the version, the pipeline and each stage's engine and model.",
             std::move(label_names))
      .with(std::move(label_values))
      .set(1);
}

}  // namespace

void add_service_metrics(const ServiceParts& parts) {
  add_traffic_metrics(parts);
  add_engine_pool_metrics(parts);
  add_gpu_metrics(parts.registry);
  add_build_info(parts);
}

void add_operator_routes(socketio::Server& server, const ServiceParts& parts) {
  server.add_route("/health", [&parts](const socketio::HttpRequestInfo&) { return health(parts); });
  server.add_route("/status", [&parts](const socketio::HttpRequestInfo&) { return status(parts); });
  server.add_route("/metrics", [&parts](const socketio::HttpRequestInfo&) {
    return socketio::HttpReply{200, std::string(observability::kExpositionContentType), parts.registry.expose()};
  });
}

void add_web_routes(socketio::Server& server, const std::string& web_root) {
  if (web_root.empty()) return;
  std::error_code ec;
  const std::filesystem::path root(web_root);
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (!entry.is_regular_file()) continue;
    add_file_route(server, "/web/" + entry.path().filename().string(), entry.path());
  }
  if (ec) {
    observability::log_warning("web pages not served: cannot list WEB_ROOT",
                               {{"path", web_root}, {"error", ec.message()}});
    return;
  }
  add_file_route(server, "/", root / "index.html");
  add_file_route(server, "/try", root / "try.html");
  add_file_route(server, "/vendor/socket.io.min.js", STS_SOCKETIO_CLIENT_JS);
}

}  // namespace sts::app
