#include "audio/stretch.h"

#include <rubberband/RubberBandStretcher.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace sts::audio {
namespace {

using RubberBand::RubberBandStretcher;

// The R2 ("faster") engine: R3's speech mode sounds no better on dubbed speech and
// costs 4x (829 ms against 207 ms for 6 s of 48 kHz stereo; Debian builds
// rubberband with its own FFT). Phase resets on high-frequency onsets only
// (transients mixed) keep consonants crisp without smearing vowels; formants are
// kept (free at unchanged pitch); channels together keep a stereo image.
constexpr RubberBandStretcher::Options kSpeechOptions =
    RubberBandStretcher::OptionProcessOffline | RubberBandStretcher::OptionEngineFaster |
    RubberBandStretcher::OptionTransientsMixed | RubberBandStretcher::OptionFormantPreserved |
    RubberBandStretcher::OptionChannelsTogether;

// R2 gives each channel a thread of its own: a stereo fragment's stretch takes
// half the time (same CPU), which is latency on air. One channel gains nothing.
RubberBandStretcher::Options options_for(std::size_t channels) {
  return kSpeechOptions |
         (channels > 1 ? RubberBandStretcher::OptionThreadingAlways : RubberBandStretcher::OptionThreadingNever);
}

// With threads, the last process() returns while the channel threads still work,
// and rubberband signals the end only through available() turning -1; its own
// command-line tool polls for it the same way.
constexpr auto kOutputPollInterval = std::chrono::microseconds(200);

constexpr std::size_t kBlockFrames = 4096;

bool is_dual_mono(const PcmBuffer& pcm) {
  if (pcm.channels != 2) return false;
  for (std::size_t i = 0; i + 1 < pcm.samples.size(); i += 2) {
    if (pcm.samples[i] != pcm.samples[i + 1]) return false;
  }
  return true;
}

PcmBuffer stretch_channels(const PcmBuffer& pcm, std::int64_t frames);

}  // namespace

// Broadcast speech is often the same signal on both channels: stretched once, it
// costs half.
PcmBuffer stretch_to(const PcmBuffer& pcm, std::int64_t frames) {
  if (!is_dual_mono(pcm)) return stretch_channels(pcm, frames);
  PcmBuffer mono{pcm.sample_rate_hz, 1, std::vector<float>(static_cast<std::size_t>(pcm.frames()))};
  for (std::size_t i = 0; i < mono.samples.size(); ++i) mono.samples[i] = pcm.samples[2 * i];
  const PcmBuffer stretched = stretch_channels(mono, frames);
  PcmBuffer out{pcm.sample_rate_hz, 2, std::vector<float>(stretched.samples.size() * 2)};
  for (std::size_t i = 0; i < stretched.samples.size(); ++i) {
    out.samples[2 * i] = out.samples[2 * i + 1] = stretched.samples[i];
  }
  return out;
}

namespace {

// `pcm` one block of kBlockFrames at a time, made planar: rubberband works on planar blocks.
class PlanarBlocks {
 public:
  explicit PlanarBlocks(const PcmBuffer& pcm)
      : pcm_(pcm),
        channels_(static_cast<std::size_t>(pcm.channels)),
        planes_(channels_, std::vector<float>(kBlockFrames)),
        pointers_(channels_) {
    for (std::size_t c = 0; c < channels_; ++c) pointers_[c] = planes_[c].data();
  }

  // Loads the block that starts at frame `start`; how many frames it holds.
  std::size_t load(std::int64_t start) {
    const auto count = static_cast<std::size_t>(std::min<std::int64_t>(kBlockFrames, pcm_.frames() - start));
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t c = 0; c < channels_; ++c) {
        planes_[c][i] = pcm_.samples[(static_cast<std::size_t>(start) + i) * channels_ + c];
      }
    }
    return count;
  }
  const float* const* planes() const { return pointers_.data(); }

 private:
  const PcmBuffer& pcm_;
  std::size_t channels_;
  std::vector<std::vector<float>> planes_;
  std::vector<float*> pointers_;
};

// Runs the studied stretcher over every block and appends all it gives to `out`,
// interleaved, until it signals the end.
void process_into(RubberBandStretcher& stretcher, PlanarBlocks& blocks, std::int64_t input_frames, PcmBuffer& out) {
  const auto channels = static_cast<std::size_t>(out.channels);
  std::vector<std::vector<float>> retrieved(channels);
  std::vector<float*> retrieved_pointers(channels);
  const auto retrieve = [&](int available) {
    for (std::size_t c = 0; c < channels; ++c) {
      retrieved[c].resize(static_cast<std::size_t>(available));
      retrieved_pointers[c] = retrieved[c].data();
    }
    const std::size_t got = stretcher.retrieve(retrieved_pointers.data(), static_cast<std::size_t>(available));
    for (std::size_t i = 0; i < got; ++i) {
      for (std::size_t c = 0; c < channels; ++c) out.samples.push_back(retrieved[c][i]);
    }
  };
  for (std::int64_t start = 0; start < input_frames; start += static_cast<std::int64_t>(kBlockFrames)) {
    const std::size_t count = blocks.load(start);
    stretcher.process(blocks.planes(), count, start + static_cast<std::int64_t>(count) >= input_frames);
    for (int available = stretcher.available(); available > 0; available = stretcher.available()) retrieve(available);
  }
  for (int available = stretcher.available(); available >= 0; available = stretcher.available()) {
    if (available == 0) {
      std::this_thread::sleep_for(kOutputPollInterval);
    } else {
      retrieve(available);
    }
  }
}

PcmBuffer stretch_channels(const PcmBuffer& pcm, std::int64_t frames) {
  const auto channels = static_cast<std::size_t>(pcm.channels);
  const std::int64_t input_frames = pcm.frames();
  PcmBuffer out{pcm.sample_rate_hz, pcm.channels, {}};
  if (frames <= 0) return out;
  if (input_frames == 0) {
    out.samples.assign(static_cast<std::size_t>(frames) * channels, 0.0f);
    return out;
  }
  if (input_frames == frames) return pcm;

  RubberBandStretcher stretcher(static_cast<std::size_t>(pcm.sample_rate_hz), channels, options_for(channels),
                                static_cast<double>(frames) / static_cast<double>(input_frames));
  stretcher.setExpectedInputDuration(static_cast<std::size_t>(input_frames));
  stretcher.setMaxProcessSize(kBlockFrames);

  PlanarBlocks blocks(pcm);
  for (std::int64_t start = 0; start < input_frames; start += static_cast<std::int64_t>(kBlockFrames)) {
    const std::size_t count = blocks.load(start);
    stretcher.study(blocks.planes(), count, start + static_cast<std::int64_t>(count) >= input_frames);
  }
  out.samples.reserve(static_cast<std::size_t>(frames) * channels);
  process_into(stretcher, blocks, input_frames, out);
  // Offline rubberband lands on the requested length; the last few frames of
  // rounding are settled here so callers can count on it exactly.
  out.samples.resize(static_cast<std::size_t>(frames) * channels, 0.0f);
  return out;
}

}  // namespace
}  // namespace sts::audio
