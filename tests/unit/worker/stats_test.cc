#include "worker/stats.h"

#include <gtest/gtest.h>

namespace sts::worker {
namespace {

TEST(Percentile, InterpolatesBetweenNearestRanks) {
  const std::vector<double> values = {40, 10, 30, 20};  // sorted: 10 20 30 40
  EXPECT_DOUBLE_EQ(percentile(values, 0.0), 10);
  EXPECT_DOUBLE_EQ(percentile(values, 0.5), 25);
  EXPECT_DOUBLE_EQ(percentile(values, 0.95), 38.5);
  EXPECT_DOUBLE_EQ(percentile(values, 1.0), 40);
}

TEST(Percentile, HandlesOneValueAndNone) {
  EXPECT_DOUBLE_EQ(percentile({7}, 0.99), 7);
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0);
}

TEST(Percentile, MatchesNumpyOnAHundredValues) {
  std::vector<double> values;
  for (int i = 1; i <= 100; ++i) values.push_back(i);
  EXPECT_DOUBLE_EQ(percentile(values, 0.5), 50.5);
  EXPECT_DOUBLE_EQ(percentile(values, 0.95), 95.05);
  EXPECT_DOUBLE_EQ(percentile(values, 0.99), 99.01);
}

TEST(RunStats, ReportsEveryFigureAsJson) {
  RunStats stats;
  stats.fragments_by_status["success"] = 2;
  stats.fragments_by_status["failed"] = 1;
  stats.errors_by_code["TIMEOUT"] = 3;
  stats.retries = 2;
  stats.add_latency("asr", 100);
  stats.add_latency("asr", 300);
  const util::Json json = stats.to_json({0.5, 0.99});
  EXPECT_EQ(json["fragments"], 3);
  EXPECT_EQ(json["errors_by_code"]["TIMEOUT"], 3);
  EXPECT_EQ(json["latency_ms"]["asr"]["count"], 2);
  EXPECT_DOUBLE_EQ(json["latency_ms"]["asr"]["p50"].get<double>(), 200);
  EXPECT_DOUBLE_EQ(json["latency_ms"]["asr"]["p99"].get<double>(), 298);
  EXPECT_DOUBLE_EQ(json["latency_ms"]["asr"]["max"].get<double>(), 300);
  EXPECT_NE(stats.table({0.5}).find("asr"), std::string::npos);
}

}  // namespace
}  // namespace sts::worker
