#include "protocol/reorder_buffer.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace sts::protocol {
namespace {

struct Slot {
  std::optional<int> result;
};

std::vector<std::int64_t> deliver(ReorderBuffer<Slot>& buffer) {
  std::vector<std::int64_t> out;
  buffer.deliver_ready([](const Slot& slot) { return slot.result.has_value(); },
                       [&out](Slot& slot) { out.push_back(*slot.result); });
  return out;
}

TEST(ReorderBuffer, ALaterResultWaitsForTheEarlierOnes) {
  ReorderBuffer<Slot> buffer;
  for (int sequence : {0, 1, 2}) buffer.add(sequence);
  buffer.find(2)->result = 2;
  buffer.find(1)->result = 1;
  EXPECT_TRUE(deliver(buffer).empty());
  EXPECT_EQ(buffer.highest_delivered(), -1);
  buffer.find(0)->result = 0;
  EXPECT_EQ(deliver(buffer), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.highest_delivered(), 2);
}

TEST(ReorderBuffer, DeliveryStopsAtTheFirstFragmentWithoutAResult) {
  ReorderBuffer<Slot> buffer;
  for (int sequence : {4, 5, 7}) buffer.add(sequence);
  buffer.find(4)->result = 4;
  buffer.find(7)->result = 7;
  EXPECT_EQ(deliver(buffer), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(buffer.size(), 2U);
  EXPECT_EQ(buffer.find(4), nullptr);
  EXPECT_NE(buffer.find(5), nullptr);
  EXPECT_EQ(buffer.highest_delivered(), 4);
}

TEST(ReorderBuffer, GapsInSequenceNumbersDoNotHoldDeliveryBack) {
  ReorderBuffer<Slot> buffer;
  buffer.add(10).result = 10;
  buffer.add(20).result = 20;
  EXPECT_EQ(deliver(buffer), (std::vector<std::int64_t>{10, 20}));
}

}  // namespace
}  // namespace sts::protocol
