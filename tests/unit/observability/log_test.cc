#include "observability/log.h"

#include <gtest/gtest.h>

namespace sts::observability {
namespace {

util::Json logged_line(const std::function<void()>& log_something) {
  testing::internal::CaptureStderr();
  log_something();
  const std::string text = testing::internal::GetCapturedStderr();
  auto line = util::parse_json(text.substr(0, text.find('\n')));
  EXPECT_TRUE(line.has_value()) << text;
  return line ? *line : util::Json();
}

TEST(Log, LinesAreJsonWithTimestampLevelAndMessage) {
  const auto line = logged_line([] { log_warning("disk low", {{"free_mb", 12}}); });
  EXPECT_EQ(line["level"], "warning");
  EXPECT_EQ(line["msg"], "disk low");
  EXPECT_EQ(line["free_mb"], 12);
  EXPECT_TRUE(line["ts"].is_string());
}

TEST(Log, ScopedFieldsReachLinesLoggedInsideTheScopeOnly) {
  util::Json inside;
  {
    const ScopedLogFields job(util::Json{{"stream_id", "s1"}, {"fragment_id", "f7"}, {"sequence_number", 7}});
    const ScopedLogFields stage(util::Json{{"stage", "tts"}});
    inside = logged_line([] { log_info("engine detail", {{"stage", "translation"}}); });
  }
  EXPECT_EQ(inside["stream_id"], "s1");
  EXPECT_EQ(inside["fragment_id"], "f7");
  EXPECT_EQ(inside["sequence_number"], 7);
  EXPECT_EQ(inside["stage"], "translation") << "a line's own fields win over the scope's";
  const auto outside = logged_line([] { log_info("later"); });
  EXPECT_FALSE(outside.contains("stream_id"));
}

}  // namespace
}  // namespace sts::observability
