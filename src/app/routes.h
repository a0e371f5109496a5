// The plain HTTP side of the server's port: GET /health, /metrics and /status for
// operators, and the web pages (the live dashboard at /, the try-it page at /try).
#pragma once

#include <chrono>
#include <string>

#include "observability/metrics.h"
#include "pipeline/compute_pool.h"
#include "pipeline/pipeline.h"
#include "protocol/monitor.h"
#include "protocol/service.h"
#include "socketio/server.h"

namespace sts::app {

// What the operator routes and metric collectors read; everything outlives the server.
struct ServiceParts {
  const pipeline::Pipeline& pipeline;
  const protocol::StsService& service;
  const protocol::ServiceMonitor& monitor;
  const socketio::Server& server;
  const pipeline::ComputePool& pool;
  observability::Registry& registry;
  std::chrono::steady_clock::time_point started;
};

// The gauges whose truth lives elsewhere (in flight, queue depth, connections by
// transport, bytes moved, the GPU) and the info gauge naming engines and models.
void add_service_metrics(const ServiceParts& parts);

// GET /health: 200 when every engine is ready, else 503 naming those that are not.
// GET /metrics: Prometheus text. GET /status: the dashboard's JSON.
void add_operator_routes(socketio::Server& server, const ServiceParts& parts);

// The files directly inside `web_root`, read once now: / is index.html, /try is
// try.html, /web/<name> any of them; /vendor/socket.io.min.js the browser client.
// Missing files are logged, not fatal: the service runs without its pages.
void add_web_routes(socketio::Server& server, const std::string& web_root);

}  // namespace sts::app
