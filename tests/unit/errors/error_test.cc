#include "errors/error.h"

#include <gtest/gtest.h>

namespace sts {
namespace {

TEST(ErrorCodes, RetryableFollowsTheCodeTable) {
  EXPECT_TRUE(retryable(ErrorCode::timeout));
  EXPECT_TRUE(retryable(ErrorCode::rate_limit_exceeded));
  EXPECT_FALSE(retryable(ErrorCode::quota_exceeded));
  EXPECT_FALSE(retryable(ErrorCode::invalid_audio));
  EXPECT_EQ(wire_name(ErrorCode::auth_failed), "AUTH_FAILED");
}

TEST(ErrorCodes, EveryWireNameReadsBackAsItsCode) {
  for (auto code = ErrorCode::timeout; code <= ErrorCode::gpu_oom;
       code = static_cast<ErrorCode>(static_cast<int>(code) + 1)) {
    if (code == ErrorCode::stream_ending_for_shutdown) continue;  // shares STREAM_ENDING with stream_ending
    EXPECT_EQ(error_code_named(wire_name(code)), code) << wire_name(code);
  }
  EXPECT_EQ(error_code_named("NOT_A_CODE"), std::nullopt);
}

TEST(ErrorCodes, SeverityFollowsTheContract) {
  EXPECT_EQ(traits(ErrorCode::stream_paused).severity, ErrorSeverity::warning);
  EXPECT_EQ(traits(ErrorCode::invalid_config).severity, ErrorSeverity::error);
  EXPECT_EQ(traits(ErrorCode::server_shutting_down).severity, ErrorSeverity::fatal);
  EXPECT_EQ(severity_name(ErrorSeverity::fatal), "fatal");
}

TEST(ErrorCodes, AnEndForShutdownIsTheRetryableStreamEnding) {
  EXPECT_EQ(wire_name(ErrorCode::stream_ending_for_shutdown), wire_name(ErrorCode::stream_ending));
  EXPECT_TRUE(retryable(ErrorCode::stream_ending_for_shutdown));
  EXPECT_FALSE(retryable(ErrorCode::stream_ending));
}

}  // namespace
}  // namespace sts
