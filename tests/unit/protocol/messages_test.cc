#include "protocol/messages.h"

#include <gtest/gtest.h>

namespace sts::protocol {
namespace {

Json valid_init() {
  return Json::parse(R"({"stream_id": "s", "worker_id": "w",
    "config": {"source_language": "EN", "target_language": "es", "voice_profile": "default",
               "chunk_duration_ms": 6000, "sample_rate_hz": 48000, "channels": 2, "format": "m4a"}})");
}

Json valid_fragment() {
  return Json::parse(R"({"fragment_id": "f", "stream_id": "s", "sequence_number": 0, "timestamp": 1,
    "audio": {"format": "pcm_s16le", "sample_rate_hz": 48000, "channels": 2, "duration_ms": 6000,
              "data_base64": "AAAA"}, "metadata": {"pts_ns": 5}})");
}

TEST(ParseStreamInit, AppliesDefaultsAndNormalizesLanguages) {
  const auto init = parse_stream_init(valid_init(), {3, 8000});
  ASSERT_TRUE(init);
  EXPECT_EQ(init->source_language, "en");
  EXPECT_EQ(init->format, audio::AudioFormat::m4a);
  EXPECT_EQ(init->max_inflight, 3);
  EXPECT_EQ(init->timeout_ms, 8000);
}

TEST(ParseStreamInit, NamesTheBadField) {
  auto json = valid_init();
  json["config"]["channels"] = "two";
  auto init = parse_stream_init(json, {});
  ASSERT_FALSE(init);
  EXPECT_EQ(init.error().error.code, ErrorCode::invalid_config);
  EXPECT_EQ(init.error().field, "config.channels");
  json = valid_init();
  json["timeout_ms"] = 40000;
  init = parse_stream_init(json, {});
  ASSERT_FALSE(init);
  EXPECT_EQ(init.error().field, "timeout_ms");
  EXPECT_NE(init.error().error.message.find("between 1000 and 30000"), std::string::npos);
  json = valid_init();
  json["max_inflight"] = 18446744073709551615ull;
  EXPECT_FALSE(parse_stream_init(json, {}));
}

TEST(ParseStreamInit, AnIntegerBeyond64BitsIsOutOfRangeNamingTheField) {
  auto json = valid_init();
  json["max_inflight"] = 1e30;  // how util::parse_json reads 1000000000000000000000000000000
  const auto init = parse_stream_init(json, {});
  ASSERT_FALSE(init);
  EXPECT_EQ(init.error().error.code, ErrorCode::invalid_config);
  EXPECT_EQ(init.error().field, "max_inflight");
  EXPECT_NE(init.error().error.message.find("between"), std::string::npos);
  json["max_inflight"] = 2.5;
  EXPECT_NE(parse_stream_init(json, {}).error().error.message.find("must be an integer"), std::string::npos);
}

TEST(ParseFragment, MovesTheAudioOut) {
  auto json = valid_fragment();
  const auto fragment = parse_fragment(json);
  ASSERT_TRUE(fragment);
  EXPECT_EQ(fragment->data_base64, "AAAA");
  EXPECT_EQ(fragment->metadata["pts_ns"], 5);
}

TEST(ParseFragment, RefusesWrongTypes) {
  for (const char* pointer : {"/sequence_number", "/audio/channels", "/audio/data_base64", "/metadata", "/audio"}) {
    auto json = valid_fragment();
    json[Json::json_pointer(pointer)] = "x";
    if (std::string(pointer) == "/audio/data_base64") json[Json::json_pointer(pointer)] = 5;
    const auto fragment = parse_fragment(json);
    ASSERT_FALSE(fragment) << pointer;
    EXPECT_EQ(fragment.error().error.code, ErrorCode::invalid_fragment);
  }
  auto negative = valid_fragment();
  negative["sequence_number"] = -1;
  EXPECT_EQ(parse_fragment(negative).error().field, "sequence_number");
}

TEST(ErrorJson, CarriesIdsOnlyWhenKnown) {
  const auto json = error_json({ErrorCode::stream_paused, "paused"}, "s", std::nullopt);
  EXPECT_EQ(json["code"], "STREAM_PAUSED");
  EXPECT_EQ(json["stream_id"], "s");
  EXPECT_FALSE(json.contains("fragment_id"));
  EXPECT_FALSE(json.contains("metadata"));
  EXPECT_EQ(json["error_id"].get<std::string>().size(), 20u);
}

TEST(ProcessedJson, FailedResultsCarryTheErrorAndNoAudio) {
  pipeline::FragmentResult result;
  result.status = pipeline::FragmentStatus::failed;
  result.error = pipeline::StageError{pipeline::Stage::asr, {ErrorCode::model_error, "boom"}};
  const auto json = processed_json(result, "s", "f", 4, 12, Json::object());
  EXPECT_EQ(json["status"], "failed");
  EXPECT_EQ(json["error"]["retryable"], true);
  EXPECT_FALSE(json.contains("dubbed_audio"));
  EXPECT_EQ(json["stage_timings"]["asr_ms"], 0);
}

}  // namespace
}  // namespace sts::protocol
