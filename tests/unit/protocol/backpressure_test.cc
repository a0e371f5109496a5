#include "protocol/backpressure.h"

#include <gtest/gtest.h>

namespace sts::protocol {
namespace {

TEST(Backpressure, LevelsFollowTheProtocolTable) {
  const BackpressureThresholds thresholds;
  for (int n : {0, 1, 3}) EXPECT_EQ(severity_for(n, thresholds), Severity::low) << n;
  for (int n : {4, 6}) EXPECT_EQ(severity_for(n, thresholds), Severity::medium) << n;
  for (int n : {7, 10}) EXPECT_EQ(severity_for(n, thresholds), Severity::high) << n;
}

TEST(Backpressure, EventCarriesActionAndThreshold) {
  const auto low = backpressure_json("s", {Severity::low, 3, 3, 0, 100});
  EXPECT_EQ(low["action"], "none");
  EXPECT_TRUE(low["threshold_exceeded"].is_null());
  EXPECT_EQ(low["recommended_delay_ms"], 0);
  const auto medium = backpressure_json("s", {Severity::medium, 4, 3, 1, 100});
  EXPECT_EQ(medium["action"], "slow_down");
  EXPECT_EQ(medium["threshold_exceeded"], "medium");
  const auto high = backpressure_json("s", {Severity::high, 7, 3, 4, 1000});
  EXPECT_EQ(high["severity"], "high");
  EXPECT_EQ(high["action"], "pause");
  EXPECT_GT(high["recommended_delay_ms"].get<int>(), medium["recommended_delay_ms"].get<int>());
  EXPECT_EQ(high["queue_depth"], 4);
}

}  // namespace
}  // namespace sts::protocol
