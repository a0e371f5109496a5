#include "pipeline/duration.h"

#include <gtest/gtest.h>

namespace sts::pipeline {
namespace {

TEST(JudgeDuration, FollowsTheProtocolThresholds) {
  const PipelineSettings settings;
  EXPECT_EQ(judge_duration(6000, 6000, settings).status, FragmentStatus::success);
  EXPECT_EQ(judge_duration(6000, 6600, settings).status, FragmentStatus::success);  // exactly 10 %
  const auto partial = judge_duration(6000, 6601, settings);
  EXPECT_EQ(partial.status, FragmentStatus::partial);
  EXPECT_EQ(partial.warnings, std::vector<std::string>{"duration_variance_high"});
  EXPECT_EQ(judge_duration(6000, 4800, settings).status, FragmentStatus::partial);  // exactly 20 %
  const auto failed = judge_duration(6000, 4799, settings);
  EXPECT_EQ(failed.status, FragmentStatus::failed);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code, "DURATION_MISMATCH_EXCEEDED");
  EXPECT_EQ(failed.error->stage, "tts");
  EXPECT_FALSE(failed.error->retryable);
}

TEST(JudgeDuration, UsesConfiguredThresholds) {
  const PipelineSettings strict{1, 2, FallbackMode::silence};
  EXPECT_EQ(judge_duration(1000, 1015, strict).status, FragmentStatus::partial);
  EXPECT_EQ(judge_duration(1000, 1030, strict).status, FragmentStatus::failed);
}

TEST(StageErrors, RetryableFollowsTheCodeTable) {
  EXPECT_TRUE(is_retryable("TIMEOUT"));
  EXPECT_TRUE(is_retryable("RATE_LIMIT_EXCEEDED"));
  EXPECT_FALSE(is_retryable("QUOTA_EXCEEDED"));
  EXPECT_FALSE(is_retryable("INVALID_AUDIO"));
  EXPECT_EQ(stage_error(Stage::translation, "AUTH_FAILED", "x").stage, "translation");
}

}  // namespace
}  // namespace sts::pipeline
