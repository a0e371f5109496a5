#include "worker/events.h"

#include <gtest/gtest.h>

namespace sts::worker {
namespace {

tl::expected<std::optional<ServerEvent>, std::string> parse(std::string_view name, const char* payload) {
  Json arguments = Json::array({Json::parse(payload)});
  return parse_server_event(name, arguments);
}

TEST(WorkerEvents, BuildsStreamInitWithTheProtocolsFieldNames) {
  StreamConfig config;
  config.domain_hints = {"news"};
  const Json init = stream_init_json(config);
  EXPECT_EQ(init["config"]["format"], "m4a");
  EXPECT_EQ(init["config"]["chunk_duration_ms"], 6000);
  EXPECT_EQ(init["config"]["domain_hints"], Json::array({"news"}));
  EXPECT_EQ(init["max_inflight"], 3);
  EXPECT_EQ(init["timeout_ms"], 8000);
}

TEST(WorkerEvents, BuildsFragmentsWithBase64AudioAndTheirPlaceOnTheTimeline) {
  OutgoingFragment fragment{"f-1",
                            6000,
                            6000,
                            audio::AudioFormat::wav,
                            48000,
                            2,
                            std::make_shared<const std::vector<std::uint8_t>>(std::vector<std::uint8_t>{1, 2, 3})};
  const Json json = fragment_json(fragment, "s", 7);
  EXPECT_EQ(json["sequence_number"], 7);
  EXPECT_EQ(json["audio"]["data_base64"], "AQID");
  EXPECT_EQ(json["audio"]["format"], "wav");
  EXPECT_EQ(json["metadata"]["pts_ns"], 6'000'000'000LL);
}

TEST(WorkerEvents, ParsesProcessedWithAudioTimingsAndError) {
  auto event = parse("fragment:processed", R"({"fragment_id":"f","status":"partial","processing_time_ms":900,
      "stage_timings":{"asr_ms":700,"tts_ms":20,"note":"x"},
      "dubbed_audio":{"format":"pcm_s16le","sample_rate_hz":48000,"channels":2,"duration_ms":6000,"data_base64":"AQID"},
      "error":{"stage":"tts","code":"X","message":"m","retryable":true}})");
  ASSERT_TRUE(event && *event);
  const auto& processed = std::get<FragmentProcessed>(**event);
  EXPECT_EQ(processed.status, pipeline::FragmentStatus::partial);
  EXPECT_EQ(processed.dubbed_audio->bytes, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(processed.stage_timings.size(), 2u);
  EXPECT_EQ(processed.stage_timings.front().first, "asr");
  EXPECT_TRUE(processed.error->retryable);
}

TEST(WorkerEvents, ParsesEveryOtherServerEvent) {
  auto ready = parse("stream:ready", R"({"stream_id":"s","session_id":"x","max_inflight":2,"capabilities":{}})");
  EXPECT_EQ(std::get<StreamReady>(**ready).max_inflight, 2);
  auto ack = parse("fragment:ack", R"({"fragment_id":"f","status":"queued","queue_position":1})");
  EXPECT_EQ(std::get<FragmentAck>(**ack).fragment_id, "f");
  auto pressure = parse("backpressure", R"({"severity":"high","action":"pause","recommended_delay_ms":500})");
  EXPECT_EQ(std::get<Backpressure>(**pressure).action, Backpressure::Action::pause);
  auto error = parse("error", R"({"code":"STREAM_PAUSED","message":"m","retryable":true,"fragment_id":"f"})");
  EXPECT_EQ(std::get<ServerError>(**error).fragment_id, "f");
  EXPECT_EQ(std::get<ServerError>(**error).severity, "error");
  auto complete = parse("stream:complete", R"({"total_fragments":4,"success_count":3,"failed_count":1})");
  EXPECT_EQ(std::get<StreamComplete>(**complete).failed_count, 1);
}

TEST(WorkerEvents, IgnoresEventsTheProtocolDoesNotDefine) {
  auto event = parse("server:news", "{}");
  ASSERT_TRUE(event);
  EXPECT_FALSE(*event);
}

TEST(WorkerEvents, NamesTheFieldThatIsWrong) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"fragment:processed", R"({"status":"success"})"},
      {"fragment:processed", R"({"fragment_id":"f","status":"great"})"},
      {"fragment:processed", R"({"fragment_id":"f","status":"success"})"},
      {"fragment:processed", R"({"fragment_id":"f","status":"success","dubbed_audio":{"format":"mp3"}})"},
      {"fragment:processed",
       R"({"fragment_id":"f","status":"success","dubbed_audio":{"format":"wav","sample_rate_hz":48000,"channels":2,"data_base64":"!!"}})"},
      {"fragment:processed", R"({"fragment_id":"f","status":"failed","error":{"stage":"asr"}})"},
      {"stream:ready", R"({"max_inflight":0})"},
      {"stream:ready", R"({"max_inflight":"3"})"},
      {"backpressure", R"({"action":"panic"})"},
      {"backpressure", R"({"action":"pause","recommended_delay_ms":-1})"},
      {"error", R"({"message":"no code"})"},
      {"fragment:ack", R"({})"},
      {"stream:complete", R"({"total_fragments":1.5})"},
      {"fragment:ack", R"([1])"},
  };
  for (const auto& [name, payload] : cases) {
    const auto event = parse(name, payload);
    EXPECT_FALSE(event) << name << " " << payload;
  }
  Json no_arguments = Json::array();
  EXPECT_FALSE(parse_server_event("fragment:ack", no_arguments));
}

}  // namespace
}  // namespace sts::worker
