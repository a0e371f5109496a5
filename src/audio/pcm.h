// Decoded audio as every stage after decode sees it: interleaved float samples in
// [-1, 1] at a known rate and channel count.
#pragma once

#include <cstdint>
#include <vector>

namespace sts::audio {

struct PcmBuffer {
  int sample_rate_hz = 0;
  int channels = 0;
  std::vector<float> samples;  // interleaved, frames() * channels values

  std::int64_t frames() const { return channels > 0 ? static_cast<std::int64_t>(samples.size()) / channels : 0; }
  std::int64_t duration_ms() const { return sample_rate_hz > 0 ? frames() * 1000 / sample_rate_hz : 0; }
};

}  // namespace sts::audio
