#include "asr/pocketsphinx_engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <stop_token>
#include <string>

#include "asr/registry.h"
#include "audio/codec.h"
#include "errors/error.h"
#include "heard.h"

namespace sts::asr {
namespace {

using test_data::heard;

// Loading costs about a second per decoder: one engine for the whole suite.
const Engine& engine() {
  static const auto shared = make_engine({"pocketsphinx", "", "", 1, 2});
  return *shared;
}

TEST(Pocketsphinx, HearsACleanSentence) {
  const auto transcript = engine().recognize(heard("speech/en/cmu_goforward.wav"), {"en", {}, 0});
  ASSERT_TRUE(transcript) << transcript.error().message;
  EXPECT_EQ(transcript->text(), "go forward ten meters");
  EXPECT_EQ(engine().model(), "pocketsphinx-en-us");
}

TEST(Pocketsphinx, SegmentTimesAreOnTheStreamTimeline) {
  const auto speech = heard("speech/en/cmu_goforward.wav");
  const std::int64_t length_ms = speech.duration_ms();
  const auto transcript = engine().recognize(speech, {"en", {}, 120'000});
  ASSERT_TRUE(transcript);
  ASSERT_FALSE(transcript->segments.empty());
  for (const auto& segment : transcript->segments) {
    EXPECT_GE(segment.start_ms, 120'000);
    EXPECT_LT(segment.start_ms, segment.end_ms);
    EXPECT_LE(segment.end_ms, 120'000 + length_ms);
    ASSERT_TRUE(segment.confidence);
    EXPECT_GE(*segment.confidence, 0.0);
    EXPECT_LE(*segment.confidence, 1.0);
  }
}

TEST(Pocketsphinx, ConcurrentCallsGiveTheSameWordsAsOneAtATime) {
  const auto first = heard("speech/en/libri_0880.wav");
  const auto second = heard("speech/en/astwb_vm-nobox.wav");
  const auto alone_first = engine().recognize(first, {"en", {}, 0})->text();
  const auto alone_second = engine().recognize(second, {"en", {}, 0})->text();
  for (int round = 0; round < 3; ++round) {
    auto a = std::async(std::launch::async, [&] { return engine().recognize(first, {"en", {}, 0})->text(); });
    auto b = std::async(std::launch::async, [&] { return engine().recognize(second, {"en", {}, 0})->text(); });
    auto c = std::async(std::launch::async, [&] { return engine().recognize(first, {"en", {}, 0})->text(); });
    EXPECT_EQ(a.get(), alone_first);
    EXPECT_EQ(b.get(), alone_second);
    EXPECT_EQ(c.get(), alone_first);
  }
}

TEST(Pocketsphinx, APassedDeadlineIsATimeout) {
  std::stop_source deadline;
  deadline.request_stop();
  const auto transcript = engine().recognize(heard("speech/en/cmu_goforward.wav"), {"en", {}, 0, deadline.get_token()});
  ASSERT_FALSE(transcript);
  EXPECT_EQ(transcript.error().code, sts::ErrorCode::timeout);
}

TEST(Pocketsphinx, SilenceGivesNoWords) {
  const auto transcript =
      engine().recognize(audio::PcmBuffer{kSampleRateHz, 1, std::vector<float>(kSampleRateHz, 0.0F)}, {"en", {}, 0});
  ASSERT_TRUE(transcript);
  EXPECT_EQ(transcript->text(), "");
}

TEST(Pocketsphinx, RefusesAudioItCannotHear) {
  const auto transcript = engine().recognize(audio::PcmBuffer{48000, 2, std::vector<float>(9600, 0.0F)}, {"en", {}, 0});
  ASSERT_FALSE(transcript);
  EXPECT_EQ(transcript.error().code, sts::ErrorCode::invalid_audio);
}

TEST(Pocketsphinx, AMissingModelFailsNamingThePath) {
  const std::string missing = "/nonexistent/pocketsphinx-model";
  try {
    make_engine({"pocketsphinx", missing, "", 1, 1});
    FAIL() << "loaded a model that does not exist";
  } catch (const sts::StartupError& error) {
    EXPECT_NE(std::string(error.what()).find(missing), std::string::npos) << error.what();
  }
}

TEST(PocketsphinxDomains, TheTelephonyHintRecoversAPromptsWords) {
  PocketsphinxSettings settings;
  settings.domains_dir = STS_SHARE_DIR "/asr/domains";
  const PocketsphinxEngine hinted(settings);
  EXPECT_EQ(hinted.domains(), (std::vector<std::string>{"news", "sports", "telephony"}));
  const auto prompt = heard("speech/en/astwb_vm-invalid-password.wav");
  const auto plain = hinted.recognize(prompt, {"en", {}, 0});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->text().find("password"), std::string::npos) << plain->text();
  // The first hint with a word list wins; unknown hints are passed over.
  const auto biased = hinted.recognize(prompt, {"en", {"weather", "telephony", "sports"}, 0});
  ASSERT_TRUE(biased);
  EXPECT_EQ(biased->text(), "that password does not meet the minimum requirements for this mailbox please try again");
}

TEST(PocketsphinxDomains, ListsWithoutPronounceableWordsAreSkipped) {
  const auto dir = std::filesystem::temp_directory_path() / "sts-domain-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "nonsense.txt") << "# only words the dictionary lacks\nxqzzyv\n";
  std::ofstream(dir / "notes.md") << "password\n";
  PocketsphinxSettings settings;
  settings.domains_dir = dir.string();
  EXPECT_TRUE(PocketsphinxEngine(settings).domains().empty());
  std::filesystem::remove_all(dir);
}

TEST(Engines, AnUnknownEngineIsALoadError) {
  EXPECT_THROW(make_engine({"no-such-engine", "", "", 1, 1}), sts::StartupError);
}

}  // namespace
}  // namespace sts::asr
