#include "app/config.h"

#include <gtest/gtest.h>

#include <map>

namespace sts::app {
namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    const auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional(it->second);
  };
}

const std::vector<std::string> kPipelines{"echo"};

TEST(LoadConfig, DefaultsMatchTheProtocol) {
  const auto request = load_config({}, env_of({}), kPipelines);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->config.port, 8000);
  EXPECT_EQ(request->config.max_inflight, 3);
  EXPECT_EQ(request->config.fragment_timeout_ms, 8000);
  EXPECT_EQ(request->config.stream_close_delay_ms, 5000);
  EXPECT_EQ(request->config.max_payload_bytes, 50ll << 20);
  EXPECT_FALSE(request->config.api_key);
  EXPECT_GE(request->config.compute_threads, 1);
}

TEST(LoadConfig, FlagsOverrideEnvironment) {
  const auto request = load_config({"--port", "9000", "--max-inflight=5"},
                                   env_of({{"PORT", "7000"}, {"MAX_INFLIGHT", "2"}, {"STS_API_KEY", "k"}}), kPipelines);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->config.port, 9000);
  EXPECT_EQ(request->config.max_inflight, 5);
  EXPECT_EQ(request->config.api_key, "k");
}

TEST(LoadConfig, ErrorsNameTheVariableAndTheAllowedValues) {
  auto request = load_config({}, env_of({{"FALLBACK_MODE", "loud"}}), kPipelines);
  ASSERT_FALSE(request);
  EXPECT_NE(request.error().find("FALLBACK_MODE"), std::string::npos);
  EXPECT_NE(request.error().find("silence | original"), std::string::npos);
  request = load_config({"--port", "70000"}, env_of({}), kPipelines);
  ASSERT_FALSE(request);
  EXPECT_NE(request.error().find("--port"), std::string::npos);
  EXPECT_NE(request.error().find("0 to 65535"), std::string::npos);
  EXPECT_FALSE(load_config({"--pipeline", "whisper"}, env_of({}), kPipelines));
  EXPECT_FALSE(load_config({"--bogus"}, env_of({}), kPipelines));
  EXPECT_FALSE(load_config({"--port"}, env_of({}), kPipelines));
  EXPECT_FALSE(load_config({}, env_of({{"LOG_LEVEL", "chatty"}}), kPipelines));
}

TEST(LoadConfig, TheAffinityCookieIsOnByDefaultAndItsNameIsAToken) {
  EXPECT_EQ(load_config({}, env_of({}), kPipelines)->config.affinity_cookie, "sts_affinity");
  EXPECT_EQ(load_config({}, env_of({{"STS_AFFINITY_COOKIE", ""}}), kPipelines)->config.affinity_cookie, "");
  const auto request = load_config({"--affinity-cookie", "a b;c"}, env_of({}), kPipelines);
  ASSERT_FALSE(request);
  EXPECT_NE(request.error().find("--affinity-cookie"), std::string::npos);
}

TEST(LoadConfig, ThresholdsMustBeOrdered) {
  EXPECT_FALSE(load_config({}, env_of({{"BACKPRESSURE_MEDIUM", "8"}}), kPipelines));
  EXPECT_FALSE(load_config({}, env_of({{"DURATION_VARIANCE_SUCCESS_MAX", "30"}}), kPipelines));
  EXPECT_TRUE(load_config({}, env_of({{"DURATION_VARIANCE_SUCCESS_MAX", "15.5"}}), kPipelines));
}

TEST(LoadConfig, HelpListsEveryVariable) {
  const auto help = config_help(kPipelines);
  for (const char* name : {"PORT", "STS_API_KEY", "FRAGMENT_TIMEOUT_MS", "STREAM_CLOSE_DELAY_MS", "FALLBACK_MODE",
                           "VOICE_PROFILES_PATH", "LOG_LEVEL", "BACKPRESSURE_HIGH"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
}

TEST(LoadConfig, HelpShowsTheStructsDefaults) {
  const auto help = config_help({"echo", "dub"});
  const Config defaults;
  EXPECT_NE(help.find("--port / PORT\n      TCP port for Socket.IO and HTTP; 0 picks a free one (default: " +
                      std::to_string(defaults.port) + ")"),
            std::string::npos);
  EXPECT_NE(help.find("fragment pipeline: echo | dub (default: dub)"), std::string::npos);
  EXPECT_NE(help.find("(default: 0.85)"), std::string::npos);
  EXPECT_NE(help.find("(default: one per core)"), std::string::npos);
  EXPECT_NE(help.find("(default: silence)"), std::string::npos);
  EXPECT_NE(help.find("(default: info)"), std::string::npos);
}

}  // namespace
}  // namespace sts::app
