// The http synthesizer against tests/doubles/tts_double.py, a local Coqui tts-server
// that a test scripts through its control endpoints: the parameters must reach
// /api/tts, every failure must arrive as its docs/protocol.md §4 code, and connections
// must be kept alive.
#include "tts/http_synthesizer.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "observability/log.h"
#include "service_double.h"
#include "util/base64.h"
#include "util/json.h"

namespace sts::tts {
namespace {

using namespace std::chrono_literals;
using util::Json;

constexpr int kDoubleRate = 24000;  // tts_double.py's default, XTTS v2's rate
constexpr int kMsPerChar = 60;      // tts_double.py's default

class HttpSynthesizerTest : public ::testing::Test {
 protected:
  // One double for the suite (a Python start-up per test would dominate the run);
  // every test starts from /_reset.
  static void SetUpTestSuite() {
    observability::set_log_level(observability::LogLevel::warning);  // no "synthesizer ready" per test
    curl_global_init(CURL_GLOBAL_DEFAULT);
    double_.start();
  }
  static void TearDownTestSuite() {
    double_.stop();
    curl_global_cleanup();
  }
  void SetUp() override { double_.reset(); }

  static HttpSynthesizerSettings settings(int max_connections = 2) {
    HttpSynthesizerSettings settings;
    settings.url = double_.url();
    settings.max_connections = max_connections;
    return settings;
  }

  static Request request(std::string text, Json voice = Json::object(), std::chrono::milliseconds timeout = 5000ms) {
    Request request;
    request.text = std::move(text);
    request.language = "es";
    request.voice = std::move(voice);
    request.timeout = timeout;
    return request;
  }

  static void expect_failure(const tl::expected<Speech, Error>& result, ErrorCode code, bool retry) {
    ASSERT_FALSE(result.has_value()) << "synthesized " << result->pcm.duration_ms() << " ms";
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_EQ(retryable(result.error().code), retry) << wire_name(result.error().code);
  }

  static Json last_params() { return double_.get("/_last")["params"]; }
  static int requests() { return double_.get("/_stats")["requests"].get<int>(); }

  static inline doubles::ServiceDouble double_{{STS_PYTHON, STS_TTS_DOUBLE}};
};

TEST_F(HttpSynthesizerTest, ReturnsTheServersWavDecoded) {
  HttpSynthesizer synthesizer(settings());
  const std::string text = "Hola mundo, ¿qué tal?";  // 21 characters
  auto result = synthesizer.synthesize(request(text));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->pcm.sample_rate_hz, kDoubleRate);
  EXPECT_EQ(result->pcm.channels, 1);
  EXPECT_EQ(result->pcm.duration_ms(), 21 * kMsPerChar);
  EXPECT_EQ(result->metadata, Json({{"tts_engine", "http"}}));
  float peak = 0;
  for (float sample : result->pcm.samples) peak = std::max(peak, std::abs(sample));
  EXPECT_GT(peak, 0.1F) << "the double's tone decoded as silence";
}

TEST_F(HttpSynthesizerTest, PostsTheCoquiParametersAsAForm) {
  HttpSynthesizer synthesizer(settings());
  const Json voice = {{"engine", "http"},
                      {"speaker", "Ana Florence"},
                      {"speaker_wav", "/voices/ana ñ.wav"},
                      {"style_wav", R"({"0": 0.3})"}};
  ASSERT_TRUE(synthesizer.synthesize(request("¿Qué tal? 50% & más = todo", voice)).has_value());
  const Json last = double_.get("/_last");
  EXPECT_EQ(last["method"], "POST");
  EXPECT_EQ(last["content_type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(last["user_agent"], "sts-service");
  EXPECT_EQ(last["params"], Json({{"text", "¿Qué tal? 50% & más = todo"},
                                  {"language_id", "es"},
                                  {"speaker_id", "Ana Florence"},
                                  {"speaker_wav", "/voices/ana ñ.wav"},
                                  {"style_wav", R"({"0": 0.3})"}}));
}

TEST_F(HttpSynthesizerTest, SpeakerIdIsTheOtherNameForSpeaker) {
  HttpSynthesizer synthesizer(settings());
  ASSERT_TRUE(synthesizer.synthesize(request("Hola.", {{"speaker_id", "p376"}})).has_value());
  EXPECT_EQ(last_params()["speaker_id"], "p376");
  ASSERT_TRUE(synthesizer.synthesize(request("Hola.", {{"speaker", "a"}, {"speaker_id", "b"}})).has_value());
  EXPECT_EQ(last_params()["speaker_id"], "a");
}

TEST_F(HttpSynthesizerTest, SendsOnlyWhatTheVoiceHasSoTheServersDefaultsApply) {
  HttpSynthesizer synthesizer(settings());
  ASSERT_TRUE(synthesizer.synthesize(request("  Hola.\n", {{"engine", "http"}, {"speaker", nullptr}})).has_value());
  EXPECT_EQ(last_params(), Json({{"text", "Hola."}, {"language_id", "es"}}));
}

TEST_F(HttpSynthesizerTest, BlankTextIsInvalidTextWithoutARequest) {
  HttpSynthesizer synthesizer(settings());
  for (const char* blank : {"", "   ", " \n\t\r "}) {
    auto result = synthesizer.synthesize(request(blank));
    expect_failure(result, ErrorCode::invalid_text, false);
  }
  EXPECT_EQ(requests(), 0);
}

TEST_F(HttpSynthesizerTest, VoiceKeyThatIsNotAStringFailsWithoutARequest) {
  HttpSynthesizer synthesizer(settings());
  auto result = synthesizer.synthesize(request("Hola.", {{"speaker_wav", Json::array({"a.wav"})}}));
  expect_failure(result, ErrorCode::synthesis_failed, false);
  EXPECT_NE(result.error().message.find("speaker_wav"), std::string::npos) << result.error().message;
  EXPECT_EQ(requests(), 0);
}

struct StatusCase {
  int status;
  const char* message;   // the double's {"error": message}; nullptr: Flask's HTML page
  const char* expected;  // what the failure's message must contain
};

class HttpSynthesizerStatusTest : public HttpSynthesizerTest, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(HttpSynthesizerStatusTest, IsSynthesisFailedWithTheStatusAndWhatTheServerSaid) {
  const StatusCase& c = GetParam();
  Json script = {{"status", c.status}};
  if (c.message != nullptr) script["message"] = c.message;
  double_.script(script);
  HttpSynthesizer synthesizer(settings());
  auto result = synthesizer.synthesize(request("Hola."));
  expect_failure(result, ErrorCode::synthesis_failed, false);
  EXPECT_NE(result.error().message.find("HTTP " + std::to_string(c.status) + ": " + c.expected), std::string::npos)
      << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, HttpSynthesizerStatusTest,
    ::testing::Values(StatusCase{500, nullptr,
                                 "500 Internal Server Error Internal Server Error The server encountered"},
                      StatusCase{500, "TTS synthesis failed: Speaker Nadie is not a valid speaker",
                                 "TTS synthesis failed: Speaker Nadie is not a valid speaker"},
                      StatusCase{400, "Text parameter is required", "Text parameter is required"},
                      StatusCase{404, nullptr, "404 Not Found"}, StatusCase{503, nullptr, "503 Service Unavailable"}),
    [](const auto& test) { return std::to_string(test.param.status) + (test.param.message ? "Json" : "Html"); });

TEST_F(HttpSynthesizerTest, LongErrorBodyIsCutToAShortReadableExcerpt) {
  double_.script({{"status", 500}, {"body", "<pre>" + std::string(5000, 'x') + "\x01</pre>"}});
  HttpSynthesizer synthesizer(settings());
  auto result = synthesizer.synthesize(request("Hola."));
  expect_failure(result, ErrorCode::synthesis_failed, false);
  EXPECT_LT(result.error().message.size(), 300U) << result.error().message;
  EXPECT_NE(result.error().message.find("HTTP 500: xxxx"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find('<'), std::string::npos) << result.error().message;
}

TEST_F(HttpSynthesizerTest, ErrorBodyKeepsValidUtf8AndMarksInvalidBytes) {
  // Two-, three- and four-byte sequences kept; a stray continuation byte, a cut-off
  // sequence and a lead byte without continuations each become '?'.
  const std::string body = "se\xC3\xB1or \xE2\x82\xAC \xF0\x9F\x8E\xA4 \x80 \xE2\x82 \xC3x";
  double_.script(
      {{"status", 500},
       {"body_base64", util::base64_encode({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()})}});
  HttpSynthesizer synthesizer(settings());
  auto result = synthesizer.synthesize(request("Hola."));
  expect_failure(result, ErrorCode::synthesis_failed, false);
  EXPECT_NE(result.error().message.find("HTTP 500: se\xC3\xB1or \xE2\x82\xAC \xF0\x9F\x8E\xA4 ? ?? ?x"),
            std::string::npos)
      << result.error().message;
}

TEST_F(HttpSynthesizerTest, IsUnreadyAfterACallThatGotNoAnswerAndReadyAfterOneThatDid) {
  HttpSynthesizer synthesizer(settings(1));
  EXPECT_TRUE(synthesizer.readiness().ready);
  double_.script({{"close", true}});
  expect_failure(synthesizer.synthesize(request("Hola.")), ErrorCode::synthesis_failed, false);
  const auto down = synthesizer.readiness();
  EXPECT_FALSE(down.ready);
  EXPECT_EQ(down.detail.rfind("the TTS server did not answer: ", 0), 0U) << down.detail;
  ASSERT_TRUE(synthesizer.synthesize(request("Hola.")).has_value());
  EXPECT_TRUE(synthesizer.readiness().ready);
}

TEST_F(HttpSynthesizerTest, BodyThatIsNotAWavIsSynthesisFailed) {
  // A 200 from something else at TTS_URL: a proxy's page, or a cut-off header.
  for (const char* body : {"<html><body>Please log in</body></html>", "RIFF\x24\x00"}) {
    double_.script({{"body", body}});
    HttpSynthesizer synthesizer(settings());
    auto result = synthesizer.synthesize(request("Hola."));
    expect_failure(result, ErrorCode::synthesis_failed, false);
    EXPECT_NE(result.error().message.find("HTTP 200 whose body is not a usable WAV"), std::string::npos)
        << result.error().message;
  }
}

TEST_F(HttpSynthesizerTest, AnswerPastTheTimeoutIsARetryableTimeout) {
  double_.script({{"delay_ms", 5000}});
  HttpSynthesizer synthesizer(settings());
  expect_failure(synthesizer.synthesize(request("Hola.", Json::object(), 200ms)), ErrorCode::timeout, true);
}

TEST_F(HttpSynthesizerTest, DroppedConnectionIsSynthesisFailedAndTheNextCallReconnects) {
  double_.script({{"close", true}});
  HttpSynthesizer synthesizer(settings(1));
  expect_failure(synthesizer.synthesize(request("Hola.")), ErrorCode::synthesis_failed, false);
  auto again = synthesizer.synthesize(request("Hola."));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->pcm.duration_ms(), 5 * kMsPerChar);
}

TEST_F(HttpSynthesizerTest, RefusedConnectionIsSynthesisFailed) {
  const int port = doubles::closed_port();
  HttpSynthesizerSettings closed = settings();
  closed.url = "http://127.0.0.1:" + std::to_string(port);
  HttpSynthesizer synthesizer(closed);
  auto result = synthesizer.synthesize(request("Hola."));
  expect_failure(result, ErrorCode::synthesis_failed, false);
  EXPECT_NE(result.error().message.find(std::to_string(port)), std::string::npos) << result.error().message;
}

TEST_F(HttpSynthesizerTest, SequentialSynthesesShareOneConnection) {
  HttpSynthesizer synthesizer(settings());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(synthesizer.synthesize(request("Hola.")).has_value());
  const Json stats = double_.get("/_stats");
  EXPECT_EQ(stats["connections"], 1);
  EXPECT_EQ(stats["requests"], 5);
}

TEST_F(HttpSynthesizerTest, ConcurrentSynthesesUseAtMostMaxConnections) {
  constexpr int kThreads = 5;
  constexpr int kEach = 3;
  // Slow answers, so that callers overlap and some must wait for a connection.
  double_.script({{"delay_ms", 20}, {"times", kThreads * kEach}});
  HttpSynthesizer synthesizer(settings(2));
  std::vector<std::thread> threads;
  std::atomic<int> synthesized = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (synthesizer.synthesize(request("Hola.")).has_value()) ++synthesized;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(synthesized, kThreads * kEach);
  const Json stats = double_.get("/_stats");
  EXPECT_LE(stats["connections"].get<int>(), 2);
  EXPECT_EQ(stats["requests"], kThreads * kEach);
}

TEST_F(HttpSynthesizerTest, WaitingForAConnectionPastTheTimeoutIsATimeout) {
  double_.script({{"delay_ms", 600}});
  HttpSynthesizer synthesizer(settings(1));
  std::thread slow([&] { EXPECT_TRUE(synthesizer.synthesize(request("Hola.")).has_value()); });
  // The one connection is busy once the double has the slow request.
  while (requests() != 1) std::this_thread::yield();
  auto result = synthesizer.synthesize(request("Hola.", Json::object(), 100ms));
  slow.join();
  expect_failure(result, ErrorCode::timeout, true);
  EXPECT_NE(result.error().message.find("no free connection"), std::string::npos) << result.error().message;
}

TEST_F(HttpSynthesizerTest, BaseUrlMayEndInASlash) {
  HttpSynthesizerSettings slashed = settings();
  slashed.url += "/";
  HttpSynthesizer synthesizer(slashed);
  ASSERT_TRUE(synthesizer.synthesize(request("Hola.")).has_value());
}

void expect_start_error(const HttpSynthesizerSettings& settings, const std::string& named) {
  try {
    HttpSynthesizer synthesizer(settings);
    FAIL() << "started with url '" << settings.url << "'";
  } catch (const StartupError& error) {
    EXPECT_NE(std::string(error.what()).find(named), std::string::npos) << error.what();
  }
}

HttpSynthesizerSettings at(std::string url) {
  HttpSynthesizerSettings settings;
  settings.url = std::move(url);
  return settings;
}

TEST(HttpSynthesizerSettingsTest, RefusesToStartWithoutAnHttpUrl) {
  expect_start_error(at(""), "TTS_URL");
  expect_start_error(at("ftp://127.0.0.1:5002"), "TTS_URL");
  expect_start_error(at("127.0.0.1 5002"), "TTS_URL");
}

TEST(HttpSynthesizerSettingsTest, RefusesToStartWithoutConnectionsOrLanguages) {
  HttpSynthesizerSettings none = at("http://127.0.0.1:5002");
  none.max_connections = 0;
  expect_start_error(none, "max_connections");
  HttpSynthesizerSettings mute = at("http://127.0.0.1:5002");
  mute.languages.clear();
  expect_start_error(mute, "languages");
}

TEST(HttpSynthesizerSettingsTest, NamesItselfAndItsModel) {
  HttpSynthesizerSettings custom = at("https://tts.example:5002");
  custom.languages = {"es", "en"};
  HttpSynthesizer synthesizer(custom);
  EXPECT_EQ(synthesizer.name(), "http");
  EXPECT_EQ(synthesizer.model(), "xtts");
  EXPECT_EQ(synthesizer.languages(), (std::vector<std::string>{"es", "en"}));
}

}  // namespace
}  // namespace sts::tts
