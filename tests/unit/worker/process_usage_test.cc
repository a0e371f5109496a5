#include "worker/process_usage.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace sts::worker {
namespace {

TEST(ProcessUsage, SumsUserAndSystemTicksAfterTheCommandName) {
  // A command name with a space and a ')' must not shift the fields.
  const char* stat = "4242 (sts server) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 9 0 1000 1 1";
  const auto seconds = parse_cpu_seconds(stat, 100);
  ASSERT_TRUE(seconds);
  EXPECT_DOUBLE_EQ(*seconds, 4.0);
  EXPECT_FALSE(parse_cpu_seconds("4242 (short) S 1 2", 100));
  EXPECT_FALSE(parse_cpu_seconds("no parenthesis", 100));
}

TEST(ProcessUsage, ReadsKilobyteFieldsOfStatus) {
  const char* status = "Name:\tsts-server\nVmHWM:\t  581234 kB\nVmRSS:\t  512000 kB\n";
  EXPECT_EQ(parse_status_kb(status, "VmRSS"), 512000);
  EXPECT_EQ(parse_status_kb(status, "VmHWM"), 581234);
  EXPECT_FALSE(parse_status_kb(status, "VmSwap"));
  EXPECT_FALSE(parse_status_kb("VmRSSx: 1 kB\n", "VmRSS"));
}

TEST(ProcessUsage, ReadsThisProcess) {
  const auto usage = read_process_usage(static_cast<int>(getpid()));
  ASSERT_TRUE(usage);
  EXPECT_GT(usage->rss_kb, 0);
  EXPECT_GE(usage->peak_kb, usage->rss_kb);
}

}  // namespace
}  // namespace sts::worker
