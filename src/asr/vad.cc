#include "asr/vad.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sts::asr {
namespace {

constexpr int kFrameMs = 20;
// Quieter than this is nobody talking into a broadcast microphone.
constexpr double kAbsoluteFloorDb = -50;
// A speech frame stands this far above the fragment's 10th-percentile level. On
// test-data the contrast (95th - 10th percentile) is 21-66 dB for every speech
// clip and fragment, 4.8 dB for pink noise and 6.4 dB for the music-like tones.
constexpr double kContrastDb = 12;
// Mean frame-to-frame level change among audible frames: 2.7-5.1 dB for speech,
// 1.7 dB for pink noise, 0.6 dB for the tones.
constexpr double kMovementDb = 2.2;
// Less speech than this is a click or a cough, not a phrase to dub.
constexpr std::int64_t kMinSpeechMs = 200;

double percentile(std::vector<double> values, double fraction) {
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
  return values[index];
}

}  // namespace

SpeechActivity detect_speech(const audio::PcmBuffer& pcm) {
  SpeechActivity activity;
  const auto frame = static_cast<std::size_t>(pcm.sample_rate_hz) * kFrameMs / 1000;
  if (pcm.channels != 1 || frame == 0 || pcm.samples.size() < frame) return activity;

  std::vector<double> level_db;
  level_db.reserve(pcm.samples.size() / frame);
  for (std::size_t start = 0; start + frame <= pcm.samples.size(); start += frame) {
    double energy = 0;
    for (std::size_t index = start; index < start + frame; ++index) {
      const auto sample = static_cast<double>(pcm.samples[index]);
      energy += sample * sample;
    }
    level_db.push_back(10 * std::log10(energy / static_cast<double>(frame) + 1e-15));
  }

  const double floor_db = percentile(level_db, 0.10);
  activity.contrast_db = percentile(level_db, 0.95) - floor_db;
  double movement = 0;
  int audible_pairs = 0;
  for (std::size_t index = 1; index < level_db.size(); ++index) {
    if (std::max(level_db[index], level_db[index - 1]) < kAbsoluteFloorDb) continue;
    movement += std::fabs(level_db[index] - level_db[index - 1]);
    ++audible_pairs;
  }
  activity.movement_db = audible_pairs > 0 ? movement / audible_pairs : 0;

  const double threshold_db = std::max(kAbsoluteFloorDb, floor_db + kContrastDb);
  std::int64_t speech_frames = 0;
  std::int64_t first = -1, last = -1;
  for (std::size_t index = 0; index < level_db.size(); ++index) {
    if (level_db[index] < threshold_db) continue;
    ++speech_frames;
    if (first < 0) first = static_cast<std::int64_t>(index);
    last = static_cast<std::int64_t>(index);
  }
  activity.speech_ms = speech_frames * kFrameMs;
  if (first >= 0) {
    activity.first_ms = first * kFrameMs;
    activity.last_ms = (last + 1) * kFrameMs;
  }
  activity.speech = activity.speech_ms >= kMinSpeechMs && activity.movement_db >= kMovementDb;
  return activity;
}

}  // namespace sts::asr
