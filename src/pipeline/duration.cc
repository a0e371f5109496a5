#include "pipeline/duration.h"

#include <cstdlib>

namespace sts::pipeline {

DurationVerdict judge_duration(std::int64_t original_ms, std::int64_t dubbed_ms, const PipelineSettings& settings) {
  DurationVerdict verdict;
  if (original_ms <= 0) return verdict;
  verdict.variance_percent =
      100.0 * static_cast<double>(std::llabs(dubbed_ms - original_ms)) / static_cast<double>(original_ms);
  if (verdict.variance_percent <= settings.duration_success_max_percent) return verdict;
  if (verdict.variance_percent <= settings.duration_partial_max_percent) {
    verdict.status = FragmentStatus::partial;
    verdict.warnings.emplace_back("duration_variance_high");
    return verdict;
  }
  verdict.status = FragmentStatus::failed;
  verdict.error = stage_error(Stage::tts, "DURATION_MISMATCH_EXCEEDED",
                              "dubbed audio lasts " + std::to_string(dubbed_ms) + " ms against " +
                                  std::to_string(original_ms) + " ms of original");
  return verdict;
}

}  // namespace sts::pipeline
