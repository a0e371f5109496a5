#include "pipeline/duration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sts::pipeline {
namespace {

TEST(JudgeDuration, FollowsTheProtocolThresholds) {
  const PipelineSettings settings;
  EXPECT_EQ(judge_duration(6000, 6000, settings).status, FragmentStatus::success);
  EXPECT_EQ(judge_duration(6000, 6600, settings).status, FragmentStatus::success);  // exactly 10 %
  const auto partial = judge_duration(6000, 6601, settings);
  EXPECT_EQ(partial.status, FragmentStatus::partial);
  EXPECT_EQ(partial.warnings, std::vector<std::string>{"duration_variance_high"});
  EXPECT_EQ(judge_duration(6000, 4800, settings).status, FragmentStatus::partial);  // exactly 20 %
  const auto failed = judge_duration(6000, 4799, settings);
  EXPECT_EQ(failed.status, FragmentStatus::failed);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->error.code, ErrorCode::duration_mismatch_exceeded);
  EXPECT_EQ(failed.error->stage, Stage::tts);
  EXPECT_FALSE(retryable(failed.error->error.code));
}

TEST(JudgeDuration, UsesConfiguredThresholds) {
  PipelineSettings strict;
  strict.duration_success_max_percent = 1;
  strict.duration_partial_max_percent = 2;
  EXPECT_EQ(judge_duration(1000, 1015, strict).status, FragmentStatus::partial);
  EXPECT_EQ(judge_duration(1000, 1030, strict).status, FragmentStatus::failed);
}

// Speech-like: a voiced 140 Hz harmonic series, syllables at 4 Hz, pauses between
// words, so rubberband meets onsets, steady vowels and silence as in speech.
audio::PcmBuffer speech_like(std::int64_t frames, int rate) {
  audio::PcmBuffer pcm{rate, 1, std::vector<float>(static_cast<std::size_t>(frames))};
  for (std::int64_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / rate;
    double voice = 0;
    for (int harmonic = 1; harmonic <= 8; ++harmonic) {
      voice += std::sin(2 * std::numbers::pi * 140 * harmonic * t) / harmonic;
    }
    const double syllable = std::max(0.0, std::sin(2 * std::numbers::pi * 4 * t));
    const bool pause = std::fmod(t, 1.5) > 1.2;
    pcm.samples[static_cast<std::size_t>(i)] = pause ? 0.0f : static_cast<float>(0.2 * voice * syllable);
  }
  return pcm;
}

TEST(MatchDuration, SpeechFrom06To16TimesTheTargetGetsTheStatusTheThresholdsSay) {
  constexpr int kRate = 24000;
  constexpr std::int64_t kTarget = 3 * kRate;
  PipelineSettings settings;
  settings.speed_max = 1.25;  // so 1.6x overshoots past the partial limit
  std::vector<FragmentStatus> seen;
  for (const double factor : {0.6, 0.8, 0.9, 1.0, 1.1, 1.25, 1.3, 1.4, 1.45, 1.6}) {
    SCOPED_TRACE(factor);
    const auto natural = static_cast<std::int64_t>(std::llround(factor * kTarget));
    const MatchedSpeech matched = match_duration(speech_like(natural, kRate), kTarget, kRate / 2, settings);
    const double speed = std::clamp(factor, settings.speed_min, settings.speed_max);
    EXPECT_DOUBLE_EQ(matched.speed_ratio, speed);
    if (factor <= settings.speed_max) {
      // Fitted exactly, by stretching alone or by stretching and padding.
      EXPECT_EQ(matched.pcm.frames(), kTarget);
    } else {
      EXPECT_EQ(matched.pcm.frames(), std::llround(static_cast<double>(natural) / speed));
    }
    const std::int64_t dubbed_ms = matched.pcm.frames() * 1000 / kRate;
    const double variance = 100.0 * std::abs(static_cast<double>(dubbed_ms) - 3000) / 3000;
    const FragmentStatus expected = variance <= 10   ? FragmentStatus::success
                                    : variance <= 20 ? FragmentStatus::partial
                                                     : FragmentStatus::failed;
    const FragmentStatus status = judge_duration(3000, dubbed_ms, settings).status;
    EXPECT_EQ(status, expected);
    seen.push_back(status);
  }
  for (const FragmentStatus status : {FragmentStatus::success, FragmentStatus::partial, FragmentStatus::failed}) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), status), seen.end()) << "the range covers every outcome";
  }
}

TEST(MatchDuration, ShortSpeechIsPaddedWhereTheOriginalSpeechStarted) {
  constexpr int kRate = 16000;
  const PipelineSettings settings;
  const MatchedSpeech matched = match_duration(speech_like(kRate, kRate), 3 * kRate, kRate, settings);
  ASSERT_EQ(matched.pcm.frames(), 3 * kRate);
  EXPECT_DOUBLE_EQ(matched.speed_ratio, settings.speed_min);
  const auto first_sound = std::find_if(matched.pcm.samples.begin(), matched.pcm.samples.end(),
                                        [](float sample) { return std::abs(sample) > 1e-3f; });
  // Speech starts after the original's 1 s lead-in, not at 0.
  EXPECT_GE(first_sound - matched.pcm.samples.begin(), kRate);
  EXPECT_LT(first_sound - matched.pcm.samples.begin(), kRate + kRate / 10);
}

TEST(MatchDuration, NoSpeechIsSilenceOfTheTargetLength) {
  const MatchedSpeech matched = match_duration(audio::PcmBuffer{48000, 2, {}}, 96000, 0, PipelineSettings{});
  EXPECT_EQ(matched.pcm.frames(), 96000);
  EXPECT_TRUE(std::all_of(matched.pcm.samples.begin(), matched.pcm.samples.end(), [](float s) { return s == 0; }));
}

}  // namespace
}  // namespace sts::pipeline

namespace sts::pipeline {
namespace {

audio::PcmBuffer tone(std::int64_t frames, int channels = 2) {
  audio::PcmBuffer pcm{48000, channels, {}};
  for (std::int64_t frame = 0; frame < frames; ++frame) {
    for (int channel = 0; channel < channels; ++channel) {
      pcm.samples.push_back(0.5F * static_cast<float>(std::sin(static_cast<double>(frame) * 0.05)));
    }
  }
  return pcm;
}

TEST(PlaceSpeech, FillsExactlyTheOriginalsLengthWithSpeechWhereItWas) {
  const PipelineSettings settings;
  for (const std::int64_t natural : {40000, 96000, 100000, 150000, 158000, 170000, 200000, 260000}) {
    const auto placed = place_speech(tone(natural), 24000, 120000, 160416, settings);
    SCOPED_TRACE(natural);
    if (placed.pcm.frames() != 160416) {
      EXPECT_GT(placed.pcm.frames(), 160416);  // only speech too long even at the fastest tempo stays long
      EXPECT_DOUBLE_EQ(placed.speed_ratio, settings.speed_max);
    }
    // Nothing before the original speech began, unless the dub needs the room.
    const bool room = static_cast<double>(natural) / settings.speed_max <= 160416 - 24000;
    if (room) {
      for (std::size_t sample = 0; sample < 24000 * 2; ++sample) ASSERT_EQ(placed.pcm.samples[sample], 0.0F);
    }
  }
}

TEST(PlaceSpeech, LongerSpeechRunsIntoThePauseAtItsOwnPace) {
  // 1 s of original speech at 0.5 s, 2 s of dub, a 5 s fragment: it fits unhurried.
  const auto placed = place_speech(tone(96000), 24000, 48000, 240000, PipelineSettings{});
  EXPECT_DOUBLE_EQ(placed.speed_ratio, 1.0);
  EXPECT_EQ(placed.pcm.frames(), 240000);
}

audio::PcmBuffer voice(std::int64_t frames) {
  audio::PcmBuffer pcm = tone(frames, 1);
  pcm.sample_rate_hz = 22050;
  return pcm;
}

TEST(PlaceSpeechConverted, Fits22kMonoSpeechToTheStreamsLayoutToTheFrame) {
  // Stream-rate figures that do not divide evenly into 22.05 kHz.
  constexpr std::int64_t kTotal = 160417;
  for (const std::int64_t natural : {30000, 44100, 60000, 70001}) {
    SCOPED_TRACE(natural);
    const auto placed = place_speech_converted(voice(natural), 24001, 120001, kTotal, 48000, 2, PipelineSettings{});
    EXPECT_EQ(placed.pcm.sample_rate_hz, 48000);
    EXPECT_EQ(placed.pcm.channels, 2);
    EXPECT_EQ(placed.pcm.frames(), kTotal);
    // Still silent before the original speech began, on both channels.
    for (std::size_t sample = 0; sample < 23000 * 2; ++sample) ASSERT_EQ(placed.pcm.samples[sample], 0.0F);
  }
}

TEST(PlaceSpeechConverted, SpeechTooLongEvenAtTheFastestTempoStaysLong) {
  const PipelineSettings settings;
  const auto placed = place_speech_converted(voice(22050 * 8), 0, 96000, 96000, 48000, 2, settings);
  EXPECT_DOUBLE_EQ(placed.speed_ratio, settings.speed_max);
  EXPECT_NEAR(static_cast<double>(placed.pcm.frames()), 48000 * 8 / settings.speed_max, 2);
}

}  // namespace
}  // namespace sts::pipeline
