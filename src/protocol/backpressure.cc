#include "protocol/backpressure.h"

#include <algorithm>

namespace sts::protocol {

Severity severity_for(int in_flight, const BackpressureThresholds& thresholds) {
  if (in_flight >= thresholds.high_at) return Severity::high;
  if (in_flight >= thresholds.medium_at) return Severity::medium;
  return Severity::low;
}

util::Json backpressure_json(const std::string& stream_id, const BackpressureReport& report) {
  // slow_down asks for one fragment's processing time between sends, pause for the
  // time the stream needs to drain what it holds; never less than half a second.
  const std::int64_t per_fragment = std::max<std::int64_t>(report.typical_processing_ms, 500);
  util::Json json = {{"stream_id", stream_id},
                     {"current_inflight", report.current_inflight},
                     {"max_inflight", report.max_inflight},
                     {"queue_depth", report.queue_depth}};
  switch (report.severity) {
    case Severity::low:
      json.update(
          {{"severity", "low"}, {"action", "none"}, {"threshold_exceeded", nullptr}, {"recommended_delay_ms", 0}});
      break;
    case Severity::medium:
      json.update({{"severity", "medium"},
                   {"action", "slow_down"},
                   {"threshold_exceeded", "medium"},
                   {"recommended_delay_ms", per_fragment}});
      break;
    case Severity::high:
      json.update(
          {{"severity", "high"},
           {"action", "pause"},
           {"threshold_exceeded", "high"},
           {"recommended_delay_ms", per_fragment * report.current_inflight / std::max(report.max_inflight, 1)}});
      break;
  }
  return json;
}

}  // namespace sts::protocol
