// Backpressure levels of docs/protocol.md §3 as a pure function of a stream's in-flight
// count, and the event that announces a level.
#pragma once

#include "protocol/settings.h"
#include "util/json.h"

namespace sts::protocol {

enum class Severity { low, medium, high };

Severity severity_for(int in_flight, const BackpressureThresholds& thresholds);

struct BackpressureReport {
  Severity severity = Severity::low;
  int current_inflight = 0;
  int max_inflight = 0;
  int queue_depth = 0;
  // Average time a fragment of this stream takes, to turn the level into a delay.
  std::int64_t typical_processing_ms = 0;
};
util::Json backpressure_json(const std::string& stream_id, const BackpressureReport& report);

}  // namespace sts::protocol
