// sts-load's job: N concurrent streams against one server, each its own connection
// and stream, sending the test programme's fragments on a loop (paced in real time
// or flat out) for a set duration; then what it measured: per-stage and worker-seen
// latency quantiles, fragments/s, errors by code, and the server's CPU and memory
// when its pid is given.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "socketio/client_protocol.h"
#include "worker/process_usage.h"
#include "worker/stream_worker.h"

namespace sts::worker {

struct LoadRequest {
  socketio::ServerUrl url;
  std::optional<std::string> token;
  int streams = 1;
  std::chrono::milliseconds duration{60000};
  bool realtime = false;
  // Which file of each programme fragment to send: a key of the manifest's "files"
  // (pcm_s16le, pcm_f32le, wav, m4a, m4a_adts). m4a_adts is what the production
  // worker sends under the label "m4a".
  std::string payload = "m4a_adts";
  std::string data_dir;  // holds program/manifest.json
  int server_pid = 0;    // 0: not watched
  WorkerOptions worker;  // the stream settings every stream starts from
};

struct ServerUsage {
  double cpu_percent = 0;  // of one core, over the run
  double rss_peak_mb = 0;  // the most resident memory seen during the run
  double hwm_mb = 0;       // the kernel's high-water mark since the server started
};

struct LoadReport {
  RunStats stats;
  double wall_s = 0;
  int streams_completed = 0;
  std::vector<std::string> stream_failures;
  std::optional<ServerUsage> server;
};

// Fails before any stream starts when the programme cannot be read.
tl::expected<LoadReport, std::string> run_load(const LoadRequest& request);

util::Json load_json(const LoadRequest& request, const LoadReport& report);
std::string load_text(const LoadRequest& request, const LoadReport& report);

}  // namespace sts::worker
