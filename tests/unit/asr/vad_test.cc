#include "asr/vad.h"

#include <gtest/gtest.h>

#include <string>

#include "asr/engine.h"
#include "audio/codec.h"
#include "heard.h"

namespace sts::asr {
namespace {

using test_data::heard;

class NoSpeech : public testing::TestWithParam<const char*> {};

TEST_P(NoSpeech, IsNotSentToAsr) {
  const auto activity = detect_speech(heard(GetParam()));
  EXPECT_FALSE(activity.speech) << "contrast " << activity.contrast_db << " dB, movement " << activity.movement_db;
}

INSTANTIATE_TEST_SUITE_P(Edge, NoSpeech,
                         testing::Values("edge/silence_6s.wav", "edge/noise_pink_6s.wav", "edge/tones_6s.wav"));

class Speech : public testing::TestWithParam<const char*> {};

TEST_P(Speech, IsDetected) {
  const auto activity = detect_speech(heard(GetParam()));
  EXPECT_TRUE(activity.speech) << "contrast " << activity.contrast_db << " dB, movement " << activity.movement_db;
  EXPECT_LT(activity.first_ms, activity.last_ms);
}

INSTANTIATE_TEST_SUITE_P(Edge, Speech,
                         testing::Values("edge/speech_1s.wav", "edge/speech_10s.wav", "program/frag_000.wav",
                                         "program/frag_010.wav", "speech/en/cmu_goforward.wav",
                                         "speech/en/astnb_vm-rec-name.wav"));

TEST(DetectSpeech, FindsWhereSpeechStartsAfterSilence) {
  auto speech = heard("edge/speech_1s.wav");
  const auto alone = detect_speech(speech);
  audio::PcmBuffer delayed{kSampleRateHz, 1, std::vector<float>(kSampleRateHz, 0.0F)};
  delayed.samples.insert(delayed.samples.end(), speech.samples.begin(), speech.samples.end());
  const auto later = detect_speech(delayed);
  ASSERT_TRUE(later.speech);
  EXPECT_EQ(later.first_ms, alone.first_ms + 1000);
}

TEST(DetectSpeech, TooShortOrNotMonoIsNoSpeech) {
  EXPECT_FALSE(detect_speech(audio::PcmBuffer{kSampleRateHz, 1, std::vector<float>(100, 0.5F)}).speech);
  EXPECT_FALSE(detect_speech(audio::PcmBuffer{kSampleRateHz, 2, std::vector<float>(32000, 0.5F)}).speech);
  EXPECT_FALSE(detect_speech(audio::PcmBuffer{}).speech);
}

}  // namespace
}  // namespace sts::asr
