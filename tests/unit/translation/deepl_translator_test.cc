// The deepl translator against tests/doubles/deepl_double.py, a local DeepL that a
// test scripts through its control endpoints: every status and transport failure
// must arrive as its PROTOCOL.md §4 code, and connections must be kept alive.
#include "translation/deepl_translator.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "observability/log.h"
#include "util/json.h"

extern char** environ;

namespace sts::translation {
namespace {

using namespace std::chrono_literals;
using util::Json;

constexpr const char* kKey = "test-secret-key:fx";

// The double as a child process; its port comes from its "listening on port N" line.
class DeeplDouble {
 public:
  void start() {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::vector<std::string> args = {STS_PYTHON, STS_DEEPL_DOUBLE, "--port", "0", "--auth-key", kKey};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
    if (spawned != 0) throw std::runtime_error("could not start " STS_DEEPL_DOUBLE);
    port_ = read_port();
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int read_port() const {
    static const std::regex port_line("listening on port (\\d+)");
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::string output;
    std::smatch match;
    while (!std::regex_search(output, match, port_line)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd ready{out_, POLLIN, 0};
      char chunk[256];
      ssize_t got = 0;
      if (left.count() <= 0 || poll(&ready, 1, static_cast<int>(left.count())) != 1 ||
          (got = read(out_, chunk, sizeof chunk)) <= 0) {
        throw std::runtime_error("the DeepL double did not report its port; it said: " + output);
      }
      output.append(chunk, static_cast<std::size_t>(got));
    }
    return std::stoi(match[1].str());
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// The test's own plain HTTP to the double's control endpoints.
Json http(const std::string& url, const std::string* post_body = nullptr) {
  CURL* curl = curl_easy_init();
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  if (post_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) throw std::runtime_error("control request to " + url + " failed");
  return Json::parse(response);
}

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
  void SetUp() override { post("/_reset", Json::object()); }

  static Json post(const std::string& path, const Json& body) {
    const std::string text = body.dump();
    return http(double_.url() + path, &text);
  }
  static Json get(const std::string& path) { return http(double_.url() + path); }
  // The next `times` translate requests follow this script.
  static void script(Json script) { post("/_control", script); }

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

  static void expect_failure(const tl::expected<std::vector<std::string>, Failure>& result, const std::string& code,
                             bool retryable) {
    ASSERT_FALSE(result.has_value()) << "translated: " << result->front();
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_EQ(result.error().retryable, retryable) << result.error().code;
    EXPECT_EQ(result.error().message.find(kKey), std::string::npos) << result.error().message;
  }

  static inline DeeplDouble double_;
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
  const char* code;
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
                         ::testing::Values(StatusCase{429, "RATE_LIMIT_EXCEEDED", true},
                                           StatusCase{456, "QUOTA_EXCEEDED", false},
                                           StatusCase{403, "AUTH_FAILED", false}, StatusCase{401, "AUTH_FAILED", false},
                                           StatusCase{500, "TRANSLATION_API_UNAVAILABLE", true},
                                           StatusCase{503, "TRANSLATION_API_UNAVAILABLE", true},
                                           StatusCase{529, "TRANSLATION_API_UNAVAILABLE", true},
                                           StatusCase{400, "TRANSLATION_REJECTED", false},
                                           StatusCase{404, "TRANSLATION_REJECTED", false},
                                           StatusCase{413, "TRANSLATION_REJECTED", false}),
                         [](const auto& test) { return std::to_string(test.param.status); });

TEST_F(DeeplTranslatorTest, WrongKeyIsAuthFailedWithoutTheKeyInTheMessage) {
  DeeplSettings wrong = settings();
  wrong.api_key = "not-the-right-key";
  DeeplTranslator translator(wrong);
  auto result = translator.translate(request({"Hello."}));
  expect_failure(result, "AUTH_FAILED", false);
  EXPECT_EQ(result.error().message.find("not-the-right-key"), std::string::npos) << result.error().message;
}

TEST_F(DeeplTranslatorTest, RejectedRequestCarriesDeeplsMessage) {
  DeeplTranslator translator(settings());
  Request klingon = request({"Hello."});
  klingon.target_language = "tlh";
  auto result = translator.translate(klingon);
  expect_failure(result, "TRANSLATION_REJECTED", false);
  EXPECT_NE(result.error().message.find("Value for 'target_lang' not supported."), std::string::npos)
      << result.error().message;
}

TEST_F(DeeplTranslatorTest, MalformedBodyOn200IsARetryableUnavailability) {
  script({{"body", "{\"translations\": [{\"text\": \"Hol"}});
  DeeplTranslator translator(settings());
  expect_failure(translator.translate(request({"Hello."})), "TRANSLATION_API_UNAVAILABLE", true);
}

TEST_F(DeeplTranslatorTest, WrongNumberOfTranslationsIsAnInvalidResponse) {
  script({{"body", R"({"translations": [{"detected_source_language": "EN", "text": "Hola."}]})"}});
  DeeplTranslator translator(settings());
  auto result = translator.translate(request({"Hello.", "World."}));
  expect_failure(result, "INVALID_RESPONSE", false);
  EXPECT_NE(result.error().message.find("1 translations for 2 sentences"), std::string::npos) << result.error().message;
}

TEST_F(DeeplTranslatorTest, TranslationWithoutTextIsAnInvalidResponse) {
  script({{"body", R"({"translations": [{"detected_source_language": "EN"}]})"}});
  DeeplTranslator translator(settings());
  expect_failure(translator.translate(request({"Hello."})), "INVALID_RESPONSE", false);
}

TEST_F(DeeplTranslatorTest, AnswerPastTheTimeoutIsATimeout) {
  script({{"delay_ms", 5000}});
  DeeplTranslator translator(settings());
  expect_failure(translator.translate(request({"Hello."}, 200ms)), "TIMEOUT", true);
}

TEST_F(DeeplTranslatorTest, DroppedConnectionIsUnavailableAndTheNextCallReconnects) {
  script({{"close", true}});
  DeeplTranslator translator(settings(1));
  expect_failure(translator.translate(request({"Hello."})), "TRANSLATION_API_UNAVAILABLE", true);
  auto again = translator.translate(request({"Hello."}));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, std::vector<std::string>{"Hola."});
}

TEST_F(DeeplTranslatorTest, RefusedConnectionIsUnavailable) {
  // A port that was just free: bound, then released, nothing listens there.
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(probe);

  DeeplSettings closed = settings();
  closed.api_url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  DeeplTranslator translator(closed);
  expect_failure(translator.translate(request({"Hello."})), "TRANSLATION_API_UNAVAILABLE", true);
}

TEST_F(DeeplTranslatorTest, UnresolvableHostIsUnavailable) {
  DeeplSettings nowhere = settings();
  nowhere.api_url = "http://no-such-host.invalid";
  DeeplTranslator translator(nowhere);
  expect_failure(translator.translate(request({"Hello."})), "TRANSLATION_API_UNAVAILABLE", true);
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
  expect_failure(result, "TIMEOUT", true);
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
  } catch (const EngineStartError& error) {
    EXPECT_NE(std::string(error.what()).find("DEEPL_API_KEY"), std::string::npos) << error.what();
  }
}

TEST(DeeplSettingsTest, RefusesToStartWithANonHttpUrl) {
  try {
    DeeplTranslator translator(keyed(kKey, "ftp://127.0.0.1"));
    FAIL() << "started with an ftp URL";
  } catch (const EngineStartError& error) {
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
