// Per-stream delivery statistics for stream:complete (docs/protocol.md §3).
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/fragment.h"
#include "util/json.h"

namespace sts::protocol {

class StreamStatistics {
 public:
  void record(pipeline::FragmentStatus status, std::int64_t processing_ms, std::int64_t original_duration_ms);
  // The event with flat copies of the counts beside the nested statistics.
  util::Json complete_json(const std::string& stream_id) const;
  double average_processing_ms() const;
  double p95_processing_ms() const;

 private:
  std::int64_t success_ = 0;
  std::int64_t partial_ = 0;
  std::int64_t failed_ = 0;
  std::int64_t total_duration_ms_ = 0;
  std::vector<std::int64_t> processing_ms_;
};

}  // namespace sts::protocol
