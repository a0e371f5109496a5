#include "pipeline/duration.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "audio/codec.h"
#include "audio/stretch.h"

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
  verdict.error = StageError{
      Stage::tts,
      {ErrorCode::duration_mismatch_exceeded, "dubbed audio lasts " + std::to_string(dubbed_ms) + " ms against " +
                                                  std::to_string(original_ms) + " ms of original"}};
  return verdict;
}

MatchedSpeech match_duration(audio::PcmBuffer speech, std::int64_t target_frames, std::int64_t speech_start_frames,
                             const PipelineSettings& settings) {
  const std::int64_t natural = speech.frames();
  const auto channels = static_cast<std::size_t>(speech.channels);
  if (natural == target_frames) return {std::move(speech), 1};
  if (natural == 0 || target_frames <= 0) {
    audio::PcmBuffer silence{speech.sample_rate_hz, speech.channels, {}};
    silence.samples.assign(static_cast<std::size_t>(std::max<std::int64_t>(target_frames, 0) * speech.channels), 0.0f);
    return {std::move(silence), 1};
  }
  const double wanted = static_cast<double>(natural) / static_cast<double>(target_frames);
  const double speed = std::clamp(wanted, settings.speed_min, settings.speed_max);
  // Within the limits the length is the target itself, not a rounded quotient.
  const std::int64_t stretched_frames =
      speed == wanted ? target_frames : std::llround(static_cast<double>(natural) / speed);
  MatchedSpeech matched{stretched_frames == natural ? std::move(speech) : audio::stretch_to(speech, stretched_frames),
                        speed};
  if (stretched_frames >= target_frames) return matched;

  const std::int64_t room = target_frames - stretched_frames;
  const std::int64_t lead = std::clamp<std::int64_t>(speech_start_frames, 0, room);
  auto& samples = matched.pcm.samples;
  samples.insert(samples.begin(), static_cast<std::size_t>(lead) * channels, 0.0f);
  samples.resize(static_cast<std::size_t>(target_frames) * channels, 0.0f);
  return matched;
}

MatchedSpeech place_speech(audio::PcmBuffer speech, std::int64_t window_start_frames, std::int64_t window_frames,
                           std::int64_t total_frames, const PipelineSettings& settings) {
  // Speech longer than the original's may run on into the pause after it, at its
  // natural pace, as far as the fragment allows: only what does not fit is sped up.
  const std::int64_t room = std::max<std::int64_t>(total_frames - std::max<std::int64_t>(window_start_frames, 0), 1);
  const std::int64_t window = std::max<std::int64_t>(window_frames, 1);
  const std::int64_t target = std::clamp(speech.frames(), window, std::max(window, room));
  auto matched = match_duration(std::move(speech), target, 0, settings);
  const auto channels = static_cast<std::size_t>(matched.pcm.channels);
  const std::int64_t length = matched.pcm.frames();
  const std::int64_t lead =
      std::clamp<std::int64_t>(window_start_frames, 0, std::max<std::int64_t>(total_frames - length, 0));
  auto& samples = matched.pcm.samples;
  samples.insert(samples.begin(), static_cast<std::size_t>(lead) * channels, 0.0f);
  if (lead + length < total_frames) samples.resize(static_cast<std::size_t>(total_frames) * channels, 0.0f);
  return matched;
}

MatchedSpeech place_speech_converted(audio::PcmBuffer speech, std::int64_t window_start_frames,
                                     std::int64_t window_frames, std::int64_t total_frames, int sample_rate_hz,
                                     int channels, const PipelineSettings& settings) {
  const double scale = static_cast<double>(speech.sample_rate_hz) / sample_rate_hz;
  const auto own_rate = [scale](std::int64_t frames) { return std::llround(static_cast<double>(frames) * scale); };
  const std::int64_t own_total = own_rate(total_frames);
  auto matched =
      place_speech(std::move(speech), own_rate(window_start_frames), own_rate(window_frames), own_total, settings);
  const bool fitted = matched.pcm.frames() == own_total;
  matched.pcm = audio::convert(std::move(matched.pcm), sample_rate_hz, channels);
  // Rounding twice between rates may miss the target by a frame; it is exact here.
  if (fitted) matched.pcm.samples.resize(static_cast<std::size_t>(total_frames * channels), 0.0f);
  return matched;
}

}  // namespace sts::pipeline
