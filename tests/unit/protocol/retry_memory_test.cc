#include "protocol/retry_memory.h"

#include <gtest/gtest.h>

namespace sts::protocol {
namespace {

ProcessedFrame frame(const char* text) { return std::make_shared<const std::string>(text); }

TEST(RetryMemory, ASuccessIsRememberedWithItsEvent) {
  RetryMemory memory(8, 2);
  memory.remember("f1", 1, true, frame("one"));
  const auto* delivered = memory.find("f1");
  ASSERT_NE(delivered, nullptr);
  EXPECT_EQ(delivered->sequence_number, 1);
  ASSERT_TRUE(delivered->event);
  EXPECT_EQ(*delivered->event, "one");
  EXPECT_EQ(memory.find("never"), nullptr);
}

TEST(RetryMemory, AFailureIsRememberedWithoutItsEventSoItsRetryRunsAgain) {
  RetryMemory memory(8, 2);
  memory.remember("f1", 1, false, frame("failed"));
  ASSERT_NE(memory.find("f1"), nullptr);
  EXPECT_FALSE(memory.find("f1")->event);
}

TEST(RetryMemory, OnlyTheNewestSuccessesKeepTheirEvents) {
  RetryMemory memory(8, 2);
  memory.remember("f1", 1, true, frame("one"));
  memory.remember("f2", 2, true, frame("two"));
  memory.remember("f3", 3, true, frame("three"));
  EXPECT_FALSE(memory.find("f1")->event);
  EXPECT_TRUE(memory.find("f2")->event);
  EXPECT_TRUE(memory.find("f3")->event);
  EXPECT_EQ(memory.find("f1")->sequence_number, 1);  // the id is still known
}

TEST(RetryMemory, TheOldestIdsAreForgottenPastTheLimit) {
  RetryMemory memory(2, 0);
  memory.remember("f1", 1, true, frame("one"));
  memory.remember("f2", 2, true, frame("two"));
  memory.remember("f3", 3, true, frame("three"));
  EXPECT_EQ(memory.find("f1"), nullptr);
  ASSERT_NE(memory.find("f3"), nullptr);
  EXPECT_FALSE(memory.find("f3")->event);  // nothing is stored with no room for events
}

TEST(RetryMemory, ASucceededRetryOfAFailureStoresTheNewEvent) {
  RetryMemory memory(8, 2);
  memory.remember("f1", 1, false, nullptr);
  memory.remember("f1", 1, true, frame("second try"));
  ASSERT_TRUE(memory.find("f1")->event);
  EXPECT_EQ(*memory.find("f1")->event, "second try");
}

}  // namespace
}  // namespace sts::protocol
