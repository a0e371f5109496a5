// The A/V sync verdict of PROTOCOL.md "Duration matching": how far the dubbed audio's
// length is from the original's, and the status that follows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/fragment.h"
#include "pipeline/pipeline.h"

namespace sts::pipeline {

struct DurationVerdict {
  FragmentStatus status = FragmentStatus::success;
  double variance_percent = 0;
  std::optional<StageError> error;
  std::vector<std::string> warnings;
};

DurationVerdict judge_duration(std::int64_t original_ms, std::int64_t dubbed_ms, const PipelineSettings& settings);

}  // namespace sts::pipeline
