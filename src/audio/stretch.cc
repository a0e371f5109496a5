#include "audio/stretch.h"

#include <rubberband/RubberBandStretcher.h>

#include <algorithm>
#include <vector>

namespace sts::audio {
namespace {

using RubberBand::RubberBandStretcher;

// R3 ("finer") with its short window is rubberband's speech mode; formants are
// preserved so the voice keeps its timbre; channels together keep a stereo image.
constexpr RubberBandStretcher::Options kSpeechOptions =
    RubberBandStretcher::OptionProcessOffline | RubberBandStretcher::OptionEngineFiner |
    RubberBandStretcher::OptionWindowShort | RubberBandStretcher::OptionFormantPreserved |
    RubberBandStretcher::OptionChannelsTogether | RubberBandStretcher::OptionThreadingNever;

constexpr std::size_t kBlockFrames = 4096;

}  // namespace

PcmBuffer stretch_to(const PcmBuffer& pcm, std::int64_t frames) {
  const auto channels = static_cast<std::size_t>(pcm.channels);
  const std::int64_t input_frames = pcm.frames();
  PcmBuffer out{pcm.sample_rate_hz, pcm.channels, {}};
  if (frames <= 0) return out;
  if (input_frames == 0) {
    out.samples.assign(static_cast<std::size_t>(frames) * channels, 0.0f);
    return out;
  }
  if (input_frames == frames) return pcm;

  RubberBandStretcher stretcher(static_cast<std::size_t>(pcm.sample_rate_hz), channels, kSpeechOptions,
                                static_cast<double>(frames) / static_cast<double>(input_frames));
  stretcher.setExpectedInputDuration(static_cast<std::size_t>(input_frames));
  stretcher.setMaxProcessSize(kBlockFrames);

  // rubberband works on planar blocks.
  std::vector<std::vector<float>> planes(channels, std::vector<float>(kBlockFrames));
  std::vector<float*> pointers(channels);
  for (std::size_t c = 0; c < channels; ++c) pointers[c] = planes[c].data();
  const auto load_block = [&](std::int64_t start) {
    const auto count = static_cast<std::size_t>(std::min<std::int64_t>(kBlockFrames, input_frames - start));
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t c = 0; c < channels; ++c) {
        planes[c][i] = pcm.samples[(static_cast<std::size_t>(start) + i) * channels + c];
      }
    }
    return count;
  };

  for (std::int64_t start = 0; start < input_frames; start += static_cast<std::int64_t>(kBlockFrames)) {
    const std::size_t count = load_block(start);
    stretcher.study(pointers.data(), count, start + static_cast<std::int64_t>(count) >= input_frames);
  }
  out.samples.reserve(static_cast<std::size_t>(frames) * channels);
  std::vector<std::vector<float>> retrieved(channels);
  std::vector<float*> retrieved_pointers(channels);
  const auto drain = [&] {
    for (int available = stretcher.available(); available > 0; available = stretcher.available()) {
      for (std::size_t c = 0; c < channels; ++c) {
        retrieved[c].resize(static_cast<std::size_t>(available));
        retrieved_pointers[c] = retrieved[c].data();
      }
      const std::size_t got = stretcher.retrieve(retrieved_pointers.data(), static_cast<std::size_t>(available));
      for (std::size_t i = 0; i < got; ++i) {
        for (std::size_t c = 0; c < channels; ++c) out.samples.push_back(retrieved[c][i]);
      }
    }
  };
  for (std::int64_t start = 0; start < input_frames; start += static_cast<std::int64_t>(kBlockFrames)) {
    const std::size_t count = load_block(start);
    stretcher.process(pointers.data(), count, start + static_cast<std::int64_t>(count) >= input_frames);
    drain();
  }
  drain();
  // Offline rubberband lands on the requested length; the last few frames of
  // rounding are settled here so callers can count on it exactly.
  out.samples.resize(static_cast<std::size_t>(frames) * channels, 0.0f);
  return out;
}

}  // namespace sts::audio
