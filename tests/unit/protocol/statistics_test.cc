#include "protocol/statistics.h"

#include <gtest/gtest.h>

namespace sts::protocol {
namespace {

using pipeline::FragmentStatus;

TEST(StreamStatistics, CountsAndAveragesWhatWasDelivered) {
  StreamStatistics statistics;
  for (int i = 1; i <= 20; ++i) statistics.record(FragmentStatus::success, i * 10, 6000);
  statistics.record(FragmentStatus::partial, 5, 6000);
  statistics.record(FragmentStatus::failed, 1000, 3000);
  const auto json = statistics.complete_json("s");
  EXPECT_EQ(json["total_fragments"], 22);
  EXPECT_EQ(json["total_duration_ms"], 21 * 6000 + 3000);
  EXPECT_EQ(json["success_count"], 20);
  EXPECT_EQ(json["statistics"]["partial_count"], 1);
  EXPECT_EQ(json["failed_count"], 1);
  EXPECT_DOUBLE_EQ(json["avg_processing_time_ms"].get<double>(), (2100.0 + 5 + 1000) / 22);
  // Nearest rank: ceil(0.95 * 22) = 21st smallest of {5, 10..200, 1000} = 200.
  EXPECT_DOUBLE_EQ(json["statistics"]["p95_processing_time_ms"].get<double>(), 200);
}

TEST(StreamStatistics, EmptyStreamHasZeroes) {
  const auto json = StreamStatistics().complete_json("s");
  EXPECT_EQ(json["total_fragments"], 0);
  EXPECT_EQ(json["statistics"]["p95_processing_time_ms"], 0);
}

}  // namespace
}  // namespace sts::protocol
