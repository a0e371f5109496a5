// The deepl translator against tests/doubles/deepl_double.py, a local DeepL that a
// test scripts through its control endpoints: every status and transport failure
// must arrive as its docs/protocol.md §4 code, and connections must be kept alive.
#include "translation/deepl_translator.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "errors/error.h"
#include "observability/log.h"
#include "service_double.h"
#include "util/json.h"

namespace sts::translation {
namespace {

using namespace std::chrono_literals;
using util::Json;

constexpr const char* kKey = "test-secret-key:fx";

class DeeplTranslatorTest : public ::testing::Test {
 protected:
  // One double for the suite (a Python start-up per test would dominate the run);
  // every test starts from /_reset.
  static void SetUpTestSuite() {
    observability::set_log_level(observability::LogLevel::warning);  // no "translator ready" per test
    curl_global_init(CURL_GLOBAL_DEFAULT);
    double_.start();
  }
  static void TearDownTestSuite() {
    double_.stop();
    curl_global_cleanup();
  }
  void SetUp() override { double_.reset(); }

  static Json get(const std::string& path) { return double_.get(path); }
  // The next `times` translate requests follow this script.
  static void script(const Json& script) { double_.script(script); }

  static DeeplSettings settings(int max_connections = 4) {
    DeeplSettings settings;
    settings.api_key = kKey;
    settings.api_url = double_.url();
    settings.max_connections = max_connections;
    return settings;
  }

  static Request request(std::vector<std::string> sentences, std::chrono::milliseconds timeout = 5000ms) {
    Request request;
    request.sentences = std::move(sentences);
    request.source_language = "en";
    request.target_language = "es";
    request.timeout = timeout;
    return request;
  }

  static void expect_failure(const tl::expected<std::vector<std::string>, sts::Error>& result, sts::ErrorCode code,
                             bool retryable) {
    ASSERT_FALSE(result.has_value()) << "translated: " << result->front();
    EXPECT_EQ(result.error().code, code) << sts::wire_name(result.error().code) << ": " << result.error().message;
    EXPECT_EQ(sts::retryable(result.error().code), retryable) << sts::wire_name(result.error().code);
    EXPECT_EQ(result.error().message.find(kKey), std::string::npos) << result.error().message;
  }

  static inline doubles::ServiceDouble double_{{STS_PYTHON, STS_DEEPL_DOUBLE, "--auth-key", kKey}};
};

TEST_F(DeeplTranslatorTest, TranslatesEverySentenceInOrder) {
  DeeplTranslator translator(settings());
  auto result = translator.translate(request({"Hello world.", "Good morning, friend!", "The team wins."}));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(*result, (std::vector<std::string>{"Hola mundo.", "Buenos días, amigo!", "El equipo gana."}));

  const Json last = get("/_last");
  EXPECT_EQ(last["content_type"], "application/json");
  EXPECT_EQ(last["user_agent"], "sts-service");
  EXPECT_EQ(last["authorization"], std::string("DeepL-Auth-Key ") + kKey);
  EXPECT_EQ(last["params"]["text"].size(), 3U);
  EXPECT_EQ(last["params"]["source_lang"], "EN");
  EXPECT_EQ(last["params"]["target_lang"], "ES");
  EXPECT_FALSE(last["params"].contains("formality"));
  EXPECT_FALSE(last["params"].contains("glossary_id"));
}

TEST_F(DeeplTranslatorTest, KeepsUtf8TextIntactBothWays) {
  DeeplTranslator translator(settings());
  Request german = request({"¿Qué tal? Ünïcödé — 日本"});
  german.source_language = "es";
  german.target_language = "de";
  auto result = translator.translate(german);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(*result, std::vector<std::string>{"[DE] ¿Qué tal? Ünïcödé — 日本"});
}

TEST_F(DeeplTranslatorTest, MakesNoCallForNoSentences) {
  DeeplTranslator translator(settings());
  auto result = translator.translate(request({}));
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->empty());
  EXPECT_EQ(get("/_stats")["requests"], 0);
}

struct StatusCase {
  int status;
  sts::ErrorCode code;
  bool retryable;
};

class DeeplStatusTest : public DeeplTranslatorTest, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(DeeplStatusTest, MapsTheStatusToItsProtocolCode) {
  const StatusCase& c = GetParam();
  script({{"status", c.status}, {"message", "what DeepL said"}});
  DeeplTranslator translator(settings());
  auto result = translator.translate(request({"Hello."}));
  expect_failure(result, c.code, c.retryable);
  EXPECT_NE(result.error().message.find("HTTP " + std::to_string(c.status) + ": what DeepL said"), std::string::npos)
      << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(Statuses, DeeplStatusTest,
                         ::testing::Values(StatusCase{429, sts::ErrorCode::rate_limit_exceeded, true},
                                           StatusCase{456, sts::ErrorCode::quota_exceeded, false},
                                           StatusCase{403, sts::ErrorCode::auth_failed, false},
                                           StatusCase{401, sts::ErrorCode::auth_failed, false},
                                           StatusCase{500, sts::ErrorCode::translation_api_unavailable, true},
                                           StatusCase{503, sts::ErrorCode::translation_api_unavailable, true},
                                           StatusCase{529, sts::ErrorCode::translation_api_unavailable, true},
                                           StatusCase{400, sts::ErrorCode::translation_rejected, false},
                                           StatusCase{404, sts::ErrorCode::translation_rejected, false},
                                           StatusCase{413, sts::ErrorCode::translation_rejected, false}),
                         [](const auto& test) { return std::to_string(test.param.status); });

TEST_F(DeeplTranslatorTest, WrongKeyIsAuthFailedWithoutTheKeyInTheMessage) {
  DeeplSettings wrong = settings();
  wrong.api_key = "not-the-right-key";
  DeeplTranslator translator(wrong);
  auto result = translator.translate(request({"Hello."}));
  expect_failure(result, sts::ErrorCode::auth_failed, false);
  EXPECT_EQ(result.error().message.find("not-the-right-key"), std::string::npos) << result.error().message;
}

TEST_F(DeeplTranslatorTest, RejectedRequestCarriesDeeplsMessage) {
  DeeplTranslator translator(settings());
  Request klingon = request({"Hello."});
  klingon.target_language = "tlh";
  auto result = translator.translate(klingon);
  expect_failure(result, sts::ErrorCode::translation_rejected, false);
  EXPECT_NE(result.error().message.find("Value for 'target_lang' not supported."), std::string::npos)
      << result.error().message;
}

TEST_F(DeeplTranslatorTest, MalformedBodyOn200IsARetryableUnavailability) {
  script({{"body", "{\"translations\": [{\"text\": \"Hol"}});
  DeeplTranslator translator(settings());
  expect_failure(translator.translate(request({"Hello."})), sts::ErrorCode::translation_api_unavailable, true);
}

TEST_F(DeeplTranslatorTest, WrongNumberOfTranslationsIsAnInvalidResponse) {
  script({{"body", R"({"translations": [{"detected_source_language": "EN", "text": "Hola."}]})"}});
  DeeplTranslator translator(settings());
  auto result = translator.translate(request({"Hello.", "World."}));
  expect_failure(result, sts::ErrorCode::invalid_response, false);
  EXPECT_NE(result.error().message.find("1 translations for 2 sentences"), std::string::npos) << result.error().message;
}

TEST_F(DeeplTranslatorTest, ErrorDetailFollowsDeeplsMessage) {
  script({{"status", 400}, {"body", R"({"message": "Bad request", "detail": "Unknown glossary"})"}});
  DeeplTranslator translator(settings());
  auto result = translator.translate(request({"Hello."}));
  expect_failure(result, sts::ErrorCode::translation_rejected, false);
  EXPECT_NE(result.error().message.find("HTTP 400: Bad request: Unknown glossary"), std::string::npos)
      << result.error().message;
}

TEST_F(DeeplTranslatorTest, AnswerWithoutATranslationsArrayIsAnInvalidResponse) {
  for (const char* body : {R"({"translations": "Hola."})", R"(["Hola."])", R"({"text": "Hola."})"}) {
    script({{"body", body}});
    DeeplTranslator translator(settings());
    auto result = translator.translate(request({"Hello."}));
    expect_failure(result, sts::ErrorCode::invalid_response, false);
    EXPECT_NE(result.error().message.find("without a translations array"), std::string::npos) << body;
  }
}

TEST_F(DeeplTranslatorTest, IsUnreadyAfterACallThatGotNoAnswerAndReadyAfterOneThatDid) {
  DeeplTranslator translator(settings(1));
  EXPECT_TRUE(translator.readiness().ready) << "nothing is known before the first call";
  script({{"close", true}});
  expect_failure(translator.translate(request({"Hello."})), sts::ErrorCode::translation_api_unavailable, true);
  const auto down = translator.readiness();
  EXPECT_FALSE(down.ready);
  EXPECT_EQ(down.detail.rfind("DeepL did not answer: ", 0), 0U) << down.detail;
  ASSERT_TRUE(translator.translate(request({"Hello."})).has_value());
  EXPECT_TRUE(translator.readiness().ready);
}

TEST_F(DeeplTranslatorTest, ErrorStatusesAndTimeoutsLeaveItReady) {
  // A status is an answer; a timeout may be our own backlog eating the deadline.
  script({{"status", 503}});
  DeeplTranslator translator(settings());
  expect_failure(translator.translate(request({"Hello."})), sts::ErrorCode::translation_api_unavailable, true);
  EXPECT_TRUE(translator.readiness().ready);
  script({{"delay_ms", 2000}});
  expect_failure(translator.translate(request({"Hello."}, 100ms)), sts::ErrorCode::timeout, true);
  EXPECT_TRUE(translator.readiness().ready);
}

TEST_F(DeeplTranslatorTest, TranslationWithoutTextIsAnInvalidResponse) {
  script({{"body", R"({"translations": [{"detected_source_language": "EN"}]})"}});
  DeeplTranslator translator(settings());
  expect_failure(translator.translate(request({"Hello."})), sts::ErrorCode::invalid_response, false);
}

TEST_F(DeeplTranslatorTest, AnswerPastTheTimeoutIsATimeout) {
  script({{"delay_ms", 5000}});
  DeeplTranslator translator(settings());
  expect_failure(translator.translate(request({"Hello."}, 200ms)), sts::ErrorCode::timeout, true);
}

TEST_F(DeeplTranslatorTest, DroppedConnectionIsUnavailableAndTheNextCallReconnects) {
  script({{"close", true}});
  DeeplTranslator translator(settings(1));
  expect_failure(translator.translate(request({"Hello."})), sts::ErrorCode::translation_api_unavailable, true);
  auto again = translator.translate(request({"Hello."}));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, std::vector<std::string>{"Hola."});
}

TEST_F(DeeplTranslatorTest, RefusedConnectionIsUnavailable) {
  DeeplSettings closed = settings();
  closed.api_url = "http://127.0.0.1:" + std::to_string(doubles::closed_port());
  DeeplTranslator translator(closed);
  expect_failure(translator.translate(request({"Hello."})), sts::ErrorCode::translation_api_unavailable, true);
}

TEST_F(DeeplTranslatorTest, UnresolvableHostIsUnavailable) {
  DeeplSettings nowhere = settings();
  nowhere.api_url = "http://no-such-host.invalid";
  DeeplTranslator translator(nowhere);
  expect_failure(translator.translate(request({"Hello."})), sts::ErrorCode::translation_api_unavailable, true);
}

TEST_F(DeeplTranslatorTest, PassesFormalityAndGlossaryThrough) {
  DeeplTranslator translator(settings());
  Request formal = request({"Hello."});
  formal.formality = "prefer_more";
  formal.glossary_id = "def3a26b-3e84-45b3-84ae-0c0aaf3525f7";
  ASSERT_TRUE(translator.translate(formal).has_value());
  const Json params = get("/_last")["params"];
  EXPECT_EQ(params["formality"], "prefer_more");
  EXPECT_EQ(params["glossary_id"], "def3a26b-3e84-45b3-84ae-0c0aaf3525f7");
}

TEST_F(DeeplTranslatorTest, SettingsGiveDefaultsThatARequestOverrides) {
  DeeplSettings defaults = settings();
  defaults.formality = "less";
  defaults.glossary_id = "settings-glossary";
  DeeplTranslator translator(defaults);
  ASSERT_TRUE(translator.translate(request({"Hello."})).has_value());
  EXPECT_EQ(get("/_last")["params"]["formality"], "less");
  EXPECT_EQ(get("/_last")["params"]["glossary_id"], "settings-glossary");

  Request own = request({"Hello."});
  own.formality = "more";
  ASSERT_TRUE(translator.translate(own).has_value());
  EXPECT_EQ(get("/_last")["params"]["formality"], "more");
}

TEST_F(DeeplTranslatorTest, SequentialTranslationsShareOneConnection) {
  DeeplTranslator translator(settings());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(translator.translate(request({"Hello."})).has_value());
  const Json stats = get("/_stats");
  EXPECT_EQ(stats["connections"], 1);
  EXPECT_EQ(stats["requests"], 5);
}

TEST_F(DeeplTranslatorTest, ConcurrentTranslationsUseAtMostMaxConnections) {
  constexpr int kThreads = 6;
  constexpr int kEach = 3;
  // Slow answers, so that callers overlap and some must wait for a connection.
  script({{"delay_ms", 20}, {"times", kThreads * kEach}});
  DeeplTranslator translator(settings(2));
  std::vector<std::thread> threads;
  std::atomic<int> translated = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (translator.translate(request({"Hello."})).has_value()) ++translated;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(translated, kThreads * kEach);
  const Json stats = get("/_stats");
  EXPECT_LE(stats["connections"].get<int>(), 2);
  EXPECT_EQ(stats["requests"], kThreads * kEach);
}

TEST_F(DeeplTranslatorTest, WaitingForAConnectionPastTheTimeoutIsATimeout) {
  script({{"delay_ms", 600}});
  DeeplTranslator translator(settings(1));
  std::thread slow([&] { EXPECT_TRUE(translator.translate(request({"Hello."})).has_value()); });
  // The one connection is busy once the double has the slow request.
  while (get("/_stats")["requests"] != 1) std::this_thread::yield();
  auto result = translator.translate(request({"Hello."}, 100ms));
  slow.join();
  expect_failure(result, sts::ErrorCode::timeout, true);
  EXPECT_NE(result.error().message.find("no free connection"), std::string::npos) << result.error().message;
}

DeeplSettings keyed(std::string key, std::string url = "") {
  DeeplSettings settings;
  settings.api_key = std::move(key);
  settings.api_url = std::move(url);
  return settings;
}

TEST(DeeplSettingsTest, FreeKeyPicksTheFreeEndpoint) {
  EXPECT_EQ(deepl_base_url(keyed("0b1c-secret:fx")), "https://api-free.deepl.com");
  EXPECT_EQ(deepl_base_url(keyed("0b1c-secret")), "https://api.deepl.com");
  EXPECT_EQ(deepl_base_url(keyed("0b1c-secret:fx", "http://127.0.0.1:9000/")), "http://127.0.0.1:9000");
}

TEST(DeeplSettingsTest, TargetLanguagesUseDeeplsVariants) {
  EXPECT_EQ(deepl_target_language("es"), "ES");
  EXPECT_EQ(deepl_target_language("en"), "EN-US");
  EXPECT_EQ(deepl_target_language("pt"), "PT-BR");
  EXPECT_EQ(deepl_target_language("de"), "DE");
}

TEST(DeeplSettingsTest, RefusesToStartWithoutAKey) {
  try {
    DeeplTranslator translator(DeeplSettings{});
    FAIL() << "started without a key";
  } catch (const sts::StartupError& error) {
    EXPECT_NE(std::string(error.what()).find("DEEPL_API_KEY"), std::string::npos) << error.what();
  }
}

TEST(DeeplSettingsTest, RefusesToStartWithANonHttpUrl) {
  try {
    DeeplTranslator translator(keyed(kKey, "ftp://127.0.0.1"));
    FAIL() << "started with an ftp URL";
  } catch (const sts::StartupError& error) {
    EXPECT_NE(std::string(error.what()).find("DEEPL_API_URL"), std::string::npos) << error.what();
  }
}

TEST(DeeplSettingsTest, OffersEveryOrderedPairOfItsLanguages) {
  DeeplTranslator translator(keyed(kKey));
  EXPECT_EQ(translator.name(), "deepl");
  EXPECT_EQ(translator.model(), "deepl");
  const auto& pairs = translator.pairs();
  EXPECT_EQ(pairs.size(), 29U * 28U);
  EXPECT_NE(std::find(pairs.begin(), pairs.end(), LanguagePair{"en", "es"}), pairs.end());
  EXPECT_NE(std::find(pairs.begin(), pairs.end(), LanguagePair{"es", "en"}), pairs.end());
  EXPECT_EQ(std::find(pairs.begin(), pairs.end(), LanguagePair{"en", "en"}), pairs.end());
}

}  // namespace
}  // namespace sts::translation
