#include "translation/apertium_translator.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <string>
#include <vector>

#include "errors/error.h"

namespace sts::translation {
namespace {

using std::chrono::milliseconds;

Request english_to_spanish(std::vector<std::string> sentences, milliseconds timeout = milliseconds(5000)) {
  Request request;
  request.sentences = std::move(sentences);
  request.source_language = "en";
  request.target_language = "es";
  request.timeout = timeout;
  return request;
}

// Starting pipelines costs a few hundred milliseconds: one translator for the suite.
const ApertiumTranslator& translator() {
  static const ApertiumTranslator shared(ApertiumSettings{"/usr/share/apertium/modes", 2});
  return shared;
}

TEST(Apertium, ListsTheInstalledPairsByIsoCode) {
  const auto& pairs = translator().pairs();
  EXPECT_NE(std::find(pairs.begin(), pairs.end(), LanguagePair{"en", "es"}), pairs.end());
  EXPECT_EQ(iso639_1("eng"), "en");
  EXPECT_EQ(iso639_1("spa"), "es");
  EXPECT_EQ(iso639_1("eng_US"), "");
}

TEST(Apertium, TranslatesOneForOneInOrder) {
  const auto translated = translator().translate(english_to_spanish({"Hello world.", "", "thank you", "Friday"}));
  ASSERT_TRUE(translated) << translated.error().message;
  EXPECT_EQ(*translated, (std::vector<std::string>{"Hola Mundo.", "", "gracias", "Viernes"}));
}

TEST(Apertium, ReservedCharactersSurviveTheStreamFormat) {
  const auto translated =
      translator().translate(english_to_spanish({"press * or # then [x] ^y$ a/b @c <d> {e} ~f \\g"}));
  ASSERT_TRUE(translated) << translated.error().message;
  for (const char* kept : {"*", "#", "[x]", "^y$", "/", "@c", "<d>", "{e}", "~f", "\\g"}) {
    EXPECT_NE(translated->front().find(kept), std::string::npos) << kept << " lost from " << translated->front();
  }
}

TEST(Apertium, AnUninstalledPairIsRefused) {
  auto request = english_to_spanish({"Hello."});
  request.target_language = "xx";
  const auto translated = translator().translate(request);
  ASSERT_FALSE(translated);
  EXPECT_FALSE(sts::retryable(translated.error().code));
}

TEST(Apertium, ConcurrentCallsGetTheirOwnAnswers) {
  std::vector<std::future<tl::expected<std::vector<std::string>, sts::Error>>> calls;
  for (int index = 0; index < 8; ++index) {
    calls.push_back(std::async(std::launch::async, [index] {
      return translator().translate(english_to_spanish({index % 2 ? "Friday" : "thank you"}));
    }));
  }
  for (std::size_t index = 0; index < calls.size(); ++index) {
    const auto translated = calls[index].get();
    ASSERT_TRUE(translated);
    EXPECT_EQ(translated->front(), index % 2 ? "Viernes" : "gracias");
  }
}

// A pipeline of its own, so that killing it cannot disturb the other tests.
TEST(ApertiumRecovery, AKilledPipelineFailsTheCallRetryablyAndIsReplaced) {
  const ApertiumTranslator own(ApertiumSettings{"/usr/share/apertium/modes", 1});
  for (const int group : own.process_groups()) ::kill(-group, SIGKILL);
  const auto failed = own.translate(english_to_spanish({"thank you"}));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, sts::ErrorCode::translation_api_unavailable);
  EXPECT_TRUE(sts::retryable(failed.error().code));
  const auto next = own.translate(english_to_spanish({"thank you"}));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->front(), "gracias");
}

TEST(ApertiumRecovery, AFrozenPipelineTimesOutAndIsReplaced) {
  const ApertiumTranslator own(ApertiumSettings{"/usr/share/apertium/modes", 1});
  const auto frozen = own.process_groups();
  for (const int group : frozen) ::kill(-group, SIGSTOP);
  const auto failed = own.translate(english_to_spanish({"thank you"}, milliseconds(300)));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, sts::ErrorCode::timeout);
  EXPECT_TRUE(sts::retryable(failed.error().code));
  EXPECT_NE(own.process_groups(), frozen);
  const auto next = own.translate(english_to_spanish({"Friday"}));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->front(), "Viernes");
}

TEST(ApertiumStart, NoInstalledPairIsAStartError) {
  EXPECT_THROW(ApertiumTranslator(ApertiumSettings{"/nonexistent/modes", 1}), sts::StartupError);
}

}  // namespace
}  // namespace sts::translation
