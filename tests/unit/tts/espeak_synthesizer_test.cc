#include "tts/espeak_synthesizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <future>

#include "protocol/voice_catalog.h"

namespace sts::tts {
namespace {

const EspeakSynthesizer& espeak() {
  static const EspeakSynthesizer shared({});
  return shared;
}

double seconds(const Speech& speech) { return static_cast<double>(speech.pcm.frames()) / speech.pcm.sample_rate_hz; }

// Seconds of work for the library's thread, so a short deadline passes first.
std::string long_text() {
  std::string text;
  for (int sentence = 0; sentence < 40; ++sentence) text += "Esta es una frase para hablar durante mucho tiempo. ";
  return text;
}

TEST(Espeak, SpeaksSpanishAndReportsItsRate) {
  const auto speech = espeak().synthesize({"Hola, buenos días a todos.", "es", {{"voice", "es"}}, 0});
  ASSERT_TRUE(speech) << speech.error().message;
  EXPECT_EQ(speech->pcm.channels, 1);
  EXPECT_GT(seconds(*speech), 0.8);
  EXPECT_EQ(speech->metadata.value("tts_rate_wpm", 0), 175);
  float peak = 0;
  for (const float sample : speech->pcm.samples) peak = std::max(peak, std::abs(sample));
  EXPECT_GT(peak, 0.1F);
  const auto& languages = espeak().languages();
  EXPECT_NE(std::find(languages.begin(), languages.end(), "es"), languages.end());
}

TEST(Espeak, RateAwareSynthesisLandsNearTheTarget) {
  const std::string text = "Por favor introduzca su contraseña seguida de la tecla numeral.";
  for (const std::int64_t target_ms : {2500, 4000, 6000}) {
    const auto speech = espeak().synthesize({text, "es", {{"voice", "es+m3"}}, target_ms});
    ASSERT_TRUE(speech) << speech.error().message;
    EXPECT_NEAR(seconds(*speech) * 1000, static_cast<double>(target_ms), 0.1 * static_cast<double>(target_ms));
  }
}

TEST(Espeak, EveryBuiltInVoiceSpeaks) {
  const auto catalog = protocol::VoiceCatalog::builtin();
  for (const auto& name : catalog.names()) {
    const auto voice = catalog.resolve(name, "es");
    ASSERT_TRUE(voice) << name;
    const auto speech = espeak().synthesize({"Gracias.", "es", (*voice)->settings, 0});
    EXPECT_TRUE(speech) << name << ": " << (speech ? "" : speech.error().message);
  }
}

TEST(Espeak, NothingToSayIsInvalidText) {
  for (const char* text : {"", "   ", "\n\t\r"}) {
    const auto speech = espeak().synthesize({text, "es", {}, 0});
    ASSERT_FALSE(speech);
    EXPECT_EQ(speech.error().code, ErrorCode::invalid_text);
    EXPECT_FALSE(retryable(speech.error().code));
  }
}

TEST(Espeak, AnUnknownVoiceIsASynthesisFailure) {
  const auto speech = espeak().synthesize({"Hola.", "es", {{"voice", "no-such-voice"}}, 0});
  ASSERT_FALSE(speech);
  EXPECT_EQ(speech.error().code, ErrorCode::synthesis_failed);
}

TEST(Espeak, ACallPastItsDeadlineTimesOutAndTheEngineCarriesOn) {
  Request request{long_text(), "es", {{"voice", "es"}}, 60000};
  request.timeout = std::chrono::milliseconds(1);
  const auto late = espeak().synthesize(request);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::timeout);
  EXPECT_TRUE(retryable(late.error().code));
  // The abandoned job may still be running on the library's thread; what it writes
  // is its own, and the next caller is served after it.
  const auto next = espeak().synthesize({"Gracias.", "es", {{"voice", "es"}}, 0});
  EXPECT_TRUE(next);
}

TEST(Espeak, IdleItReportsItsOneThreadAndNoJobWaiting) {
  const util::PoolUsage usage = espeak().pool_usage();
  EXPECT_EQ(usage.size, 1U);
  EXPECT_EQ(usage.waiting, 0U);
}

TEST(Espeak, ACallerThatGivesUpLeavesNoJobWaiting) {
  Request request{long_text(), "es", {{"voice", "es"}}, 60000};
  request.timeout = std::chrono::milliseconds(0);
  const auto late = espeak().synthesize(request);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::timeout);
  // Whether or not the library's thread had taken the job, none is left queued: a
  // withdrawn job must not count against the queue's bound.
  EXPECT_EQ(espeak().pool_usage().waiting, 0U);
}

TEST(Espeak, IllTypedVoiceKeysFallBackToTheDefaults) {
  const auto speech = espeak().synthesize({"Hola.", "es", {{"voice", 7}, {"rate", "fast"}}, 0});
  ASSERT_TRUE(speech) << speech.error().message;
  EXPECT_EQ(speech->metadata.value("tts_rate_wpm", 0), 175);
}

TEST(Espeak, ConcurrentCallersEachGetTheirOwnSpeech) {
  const auto alone_short = espeak().synthesize({"Sí.", "es", {{"voice", "es"}}, 0})->pcm.frames();
  const auto alone_long =
      espeak()
          .synthesize({"Esta es una frase bastante más larga que la otra.", "es", {{"voice", "es"}}, 0})
          ->pcm.frames();
  std::vector<std::future<std::int64_t>> calls;
  for (int index = 0; index < 8; ++index) {
    calls.push_back(std::async(std::launch::async, [index] {
      const char* text = index % 2 ? "Sí." : "Esta es una frase bastante más larga que la otra.";
      return espeak().synthesize({text, "es", {{"voice", "es"}}, 0})->pcm.frames();
    }));
  }
  // espeak-ng carries a little state from one utterance to the next, so lengths vary
  // by a few percent; a mixed-up answer would be off by a factor of ten.
  for (std::size_t index = 0; index < calls.size(); ++index) {
    const auto expected = static_cast<double>(index % 2 ? alone_short : alone_long);
    EXPECT_NEAR(static_cast<double>(calls[index].get()), expected, 0.1 * expected);
  }
}

}  // namespace
}  // namespace sts::tts
