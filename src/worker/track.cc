#include "worker/track.h"

#include <algorithm>

namespace sts::worker {
namespace {

std::size_t sample_index(std::int64_t frame, int channels) {
  return static_cast<std::size_t>(frame) * static_cast<std::size_t>(channels);
}

}  // namespace

std::vector<Span> cut(std::int64_t total_frames, int sample_rate_hz, std::int64_t chunk_ms) {
  std::vector<Span> spans;
  if (total_frames <= 0 || sample_rate_hz <= 0 || chunk_ms <= 0) return spans;
  for (std::int64_t index = 0;; ++index) {
    const std::int64_t start = index * chunk_ms * sample_rate_hz / 1000;
    if (start >= total_frames) break;
    const std::int64_t end = std::min(total_frames, (index + 1) * chunk_ms * sample_rate_hz / 1000);
    spans.push_back({start, end - start});
  }
  return spans;
}

std::int64_t span_duration_ms(const Span& span, int sample_rate_hz) {
  return (span.frames * 1000 + sample_rate_hz - 1) / sample_rate_hz;
}

std::int64_t span_start_ms(const Span& span, int sample_rate_hz) { return span.start_frame * 1000 / sample_rate_hz; }

audio::PcmBuffer slice(const audio::PcmBuffer& track, const Span& span) {
  const auto begin =
      track.samples.begin() + static_cast<std::ptrdiff_t>(sample_index(span.start_frame, track.channels));
  const auto end = begin + static_cast<std::ptrdiff_t>(sample_index(span.frames, track.channels));
  return {track.sample_rate_hz, track.channels, std::vector<float>(begin, end)};
}

void place(audio::PcmBuffer& track, const Span& span, const audio::PcmBuffer& piece) {
  const std::int64_t frames = std::min(span.frames, piece.frames());
  std::copy_n(piece.samples.begin(), sample_index(frames, track.channels),
              track.samples.begin() + static_cast<std::ptrdiff_t>(sample_index(span.start_frame, track.channels)));
}

audio::PcmBuffer silent_like(const audio::PcmBuffer& model) {
  return {model.sample_rate_hz, model.channels, std::vector<float>(model.samples.size(), 0.0F)};
}

}  // namespace sts::worker
