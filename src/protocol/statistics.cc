#include "protocol/statistics.h"

#include <numeric>

#include "util/percentile.h"

namespace sts::protocol {

void StreamStatistics::record(pipeline::FragmentStatus status, std::int64_t processing_ms,
                              std::int64_t original_duration_ms) {
  switch (status) {
    case pipeline::FragmentStatus::success: ++success_; break;
    case pipeline::FragmentStatus::partial: ++partial_; break;
    case pipeline::FragmentStatus::failed: ++failed_; break;
  }
  total_duration_ms_ += original_duration_ms;
  processing_ms_.push_back(processing_ms);
}

double StreamStatistics::average_processing_ms() const {
  if (processing_ms_.empty()) return 0;
  return static_cast<double>(std::accumulate(processing_ms_.begin(), processing_ms_.end(), std::int64_t{0})) /
         static_cast<double>(processing_ms_.size());
}

double StreamStatistics::p95_processing_ms() const {
  return static_cast<double>(util::nearest_rank(processing_ms_, 0.95));
}

util::Json StreamStatistics::complete_json(const std::string& stream_id) const {
  const double average = average_processing_ms();
  return {{"stream_id", stream_id},
          {"total_fragments", success_ + partial_ + failed_},
          {"total_duration_ms", total_duration_ms_},
          {"success_count", success_},
          {"partial_count", partial_},
          {"failed_count", failed_},
          {"avg_processing_time_ms", average},
          {"statistics",
           {{"success_count", success_},
            {"partial_count", partial_},
            {"failed_count", failed_},
            {"avg_processing_time_ms", average},
            {"p95_processing_time_ms", p95_processing_ms()}}}};
}

}  // namespace sts::protocol
