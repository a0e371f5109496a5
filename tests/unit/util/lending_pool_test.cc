#include "util/lending_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <new>
#include <stdexcept>
#include <thread>

namespace sts::util {
namespace {

using namespace std::chrono_literals;
using Pool = LendingPool<int>;

Pool::Factory counting(int& made) {
  return [&made] { return std::make_unique<int>(++made); };
}

TEST(LendingPool, MakesItemsOnlyUpToItsCapacity) {
  int made = 0;
  Pool pool(2, counting(made));
  auto first = pool.acquire();
  auto second = pool.acquire();
  EXPECT_EQ(made, 2);
  EXPECT_FALSE(pool.acquire_until(Pool::Clock::now() + 10ms));
  EXPECT_EQ(pool.size(), 2U);
  EXPECT_EQ(pool.waiting(), 0U);
  EXPECT_EQ(pool.usage().size, 2U);
  EXPECT_EQ(pool.usage().waiting, 0U);
}

TEST(LendingPool, AnEndedLeaseLendsTheSameItemAgain) {
  int made = 0;
  Pool pool(1, counting(made));
  int* seen = nullptr;
  {
    auto lease = pool.acquire();
    seen = lease.get();
  }
  EXPECT_EQ(pool.acquire().get(), seen);
  EXPECT_EQ(made, 1);
}

TEST(LendingPool, AnExceptionStillGivesTheItemBack) {
  Pool pool(1, {});
  pool.add(std::make_unique<int>(7));
  try {
    auto lease = pool.acquire();
    throw std::runtime_error("the holder failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(*pool.acquire(), 7);
}

TEST(LendingPool, ADiscardedItemIsReplacedByANewOne) {
  int made = 0;
  Pool pool(1, counting(made));
  pool.acquire().discard();
  EXPECT_EQ(pool.size(), 0U);
  EXPECT_EQ(*pool.acquire(), 2);
}

TEST(LendingPool, AWaiterGetsTheItemGivenBackAndIsCountedMeanwhile) {
  Pool pool(1, {});
  pool.add(std::make_unique<int>(1));
  std::optional<Pool::Lease> held(pool.acquire());
  auto waiter = std::async(std::launch::async, [&pool] { return *pool.acquire(); });
  while (pool.waiting() == 0) std::this_thread::yield();
  EXPECT_EQ(pool.waiting(), 1U);
  held.reset();
  EXPECT_EQ(waiter.get(), 1);
  EXPECT_EQ(pool.waiting(), 0U);
}

TEST(LendingPool, AFactoryThatFailsSendsTheCallerToWaitForAnother) {
  bool can_make = true;
  Pool pool(2, [&can_make]() -> Pool::Item { return can_make ? std::make_unique<int>(1) : nullptr; });
  auto first = pool.acquire();
  can_make = false;
  EXPECT_FALSE(pool.acquire_until(Pool::Clock::now() + 10ms));
  EXPECT_EQ(pool.size(), 1U);
}

TEST(LendingPool, AFailedMakeWakesAWaiterToMakeOneItself) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls = 0;
  Pool pool(1, [&]() -> Pool::Item {
    if (calls++ == 0) {
      released.wait();
      return nullptr;  // the first maker fails, and its place frees
    }
    return std::make_unique<int>(5);
  });
  const auto deadline = Pool::Clock::now() + std::chrono::seconds(30);
  auto maker = std::async(std::launch::async, [&] { return pool.acquire_until(deadline).has_value(); });
  while (calls == 0) std::this_thread::yield();
  auto waiter = std::async(std::launch::async, [&] {
    auto lease = pool.acquire_until(deadline);
    return lease ? **lease : 0;
  });
  while (pool.waiting() < 2) std::this_thread::yield();
  release.set_value();
  EXPECT_FALSE(maker.get());
  EXPECT_EQ(waiter.get(), 5);
}

TEST(LendingPool, NothingToLendAndNothingToMakeThrows) {
  Pool pool(1, []() -> Pool::Item { return nullptr; });
  EXPECT_THROW(pool.acquire(), std::runtime_error);
}

TEST(LendingPool, AFactoryThatThrowsGivesItsPlaceBack) {
  bool fail = true;
  Pool pool(1, [&fail]() -> Pool::Item {
    if (fail) throw std::bad_alloc();
    return std::make_unique<int>(3);
  });
  EXPECT_THROW(pool.acquire(), std::bad_alloc);
  EXPECT_EQ(pool.size(), 0U);
  EXPECT_EQ(pool.waiting(), 0U);
  fail = false;
  EXPECT_EQ(*pool.acquire(), 3);
}

}  // namespace
}  // namespace sts::util
