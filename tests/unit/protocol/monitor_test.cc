#include "protocol/monitor.h"

#include <gtest/gtest.h>

namespace sts::protocol {
namespace {

using pipeline::FragmentResult;
using pipeline::FragmentStatus;
using pipeline::Stage;

FragmentResult result_with(FragmentStatus status, double asr_ms, double tts_ms) {
  FragmentResult result;
  result.status = status;
  result.stage_timings = {{Stage::decode, 1}, {Stage::asr, asr_ms}, {Stage::translation, 2}, {Stage::tts, tts_ms}};
  return result;
}

TEST(ServiceMonitor, StatusShowsRecentStagePercentilesAndCountsByStatus) {
  observability::Registry registry;
  ServiceMonitor monitor(registry);
  for (int i = 1; i <= 20; ++i) monitor.fragment_delivered(result_with(FragmentStatus::success, i * 10, 5), i * 20);
  monitor.fragment_delivered(result_with(FragmentStatus::partial, 300, 5), 500);

  const auto status = monitor.status();
  EXPECT_EQ(status["fragments"]["success"], 20);
  EXPECT_EQ(status["fragments"]["partial"], 1);
  EXPECT_EQ(status["fragments"]["failed"], 0);
  EXPECT_EQ(status["stages"]["asr"]["count"], 21);
  EXPECT_EQ(status["stages"]["asr"]["p50_ms"], 110);
  EXPECT_EQ(status["stages"]["asr"]["p95_ms"], 200);
  EXPECT_EQ(status["stages"]["total"]["p95_ms"], 400);
  EXPECT_FALSE(status["stages"].contains("encode")) << "a stage no fragment ran has no figures";
  EXPECT_GT(status["fragments_per_second"].get<double>(), 0);
}

TEST(ServiceMonitor, RateCountsEveryDeliveryOfTheLastTenSecondsNotOnlyTheRecentWindow) {
  observability::Registry registry;
  ServiceMonitor monitor(registry);
  for (int i = 0; i < 2000; ++i) monitor.fragment_delivered(result_with(FragmentStatus::success, 1, 1), 2);
  EXPECT_EQ(monitor.status()["fragments_per_second"], 200.0);
  EXPECT_EQ(monitor.status()["stages"]["total"]["count"], 500) << "percentiles stay over the recent window";
}

TEST(ServiceMonitor, ErrorsByCodeJoinFailedFragmentsAndRejections) {
  observability::Registry registry;
  ServiceMonitor monitor(registry);
  FragmentResult failed = result_with(FragmentStatus::failed, 10, 0);
  failed.error = pipeline::StageError{Stage::translation, {ErrorCode::timeout, "too slow"}};
  monitor.fragment_delivered(failed, 8000);
  monitor.request_rejected("TIMEOUT");
  monitor.request_rejected("INVALID_FRAGMENT");

  const auto status = monitor.status();
  EXPECT_EQ(status["errors"], (util::Json{{"INVALID_FRAGMENT", 1}, {"TIMEOUT", 2}}));
  const std::string text = registry.expose();
  EXPECT_NE(text.find("sts_fragment_errors_total{stage=\"translation\",error_code=\"TIMEOUT\"} 1"), std::string::npos);
  EXPECT_NE(text.find("sts_rejections_total{code=\"INVALID_FRAGMENT\"} 1"), std::string::npos);
  EXPECT_NE(text.find("sts_asr_duration_seconds_count 1"), std::string::npos) << text;
}

TEST(ServiceMonitor, StreamsAreListedWhileTheyLiveAndCountedWhileOpen) {
  observability::Registry registry;
  ServiceMonitor monitor(registry);
  auto first = monitor.stream_opened({{"stream_id", "a"}});
  auto second = monitor.stream_opened({{"stream_id", "b"}});
  first->delivered(640);
  first->set_in_flight(2);
  first->set_backpressure(Severity::medium);
  monitor.backpressure_changed(Severity::medium);
  second->set_state("complete");

  auto status = monitor.status();
  ASSERT_EQ(status["streams"].size(), 2u);
  EXPECT_EQ(status["active_streams"], 1);
  EXPECT_EQ(status["backpressure"]["medium"], 1);
  const auto& a = status["streams"][0]["stream_id"] == "a" ? status["streams"][0] : status["streams"][1];
  EXPECT_EQ(a["delivered"], 1);
  EXPECT_EQ(a["in_flight"], 2);
  EXPECT_EQ(a["backpressure"], "medium");
  EXPECT_EQ(a["last_processing_ms"], 640);
  EXPECT_NE(registry.expose().find("sts_active_streams 1"), std::string::npos);

  monitor.stream_closed(first);
  monitor.stream_closed(second);
  EXPECT_TRUE(monitor.status()["streams"].empty());
}

}  // namespace
}  // namespace sts::protocol
