// A bounded pool of things that one caller may use at a time (decoders, decoder states,
// translator processes, HTTP handles), lent under an RAII lease. Items are made outside
// the lock, only when none is idle and the pool is below its capacity; a lease gives
// its item back however its holder leaves, or drops it when the holder found it broken,
// which frees the place for a new one. waiting() and size() feed the engine metrics.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "util/mutex.h"
#include "util/readiness.h"

namespace sts::util {

template <typename T, typename Deleter = std::default_delete<T>>
class LendingPool {
 public:
  using Item = std::unique_ptr<T, Deleter>;
  using Clock = std::chrono::steady_clock;
  // Makes one more item; null when it cannot (no memory), and the caller then waits
  // for one of the others.
  using Factory = std::function<Item()>;

  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)), item_(std::move(other.item_)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(std::move(item_));
    }

    T& operator*() const { return *item_; }
    T* operator->() const { return item_.get(); }
    T* get() const { return item_.get(); }
    // The item is broken (a process that died): it is destroyed instead of going back.
    void discard() {
      if (pool_ != nullptr) std::exchange(pool_, nullptr)->forget(std::move(item_));
    }

   private:
    friend class LendingPool;
    Lease(LendingPool* pool, Item item) : pool_(pool), item_(std::move(item)) {}

    LendingPool* pool_;
    Item item_;
  };

  // `capacity` items at most; `make` may be empty when every item is added up front.
  LendingPool(std::size_t capacity, Factory make) : capacity_(capacity), make_(std::move(make)) {}
  LendingPool(const LendingPool&) = delete;
  LendingPool& operator=(const LendingPool&) = delete;
  // Every lease must have ended: an item outlives nothing it was made from.
  ~LendingPool() = default;

  // An item made up front, so that what cannot be made fails at start-up.
  void add(Item item) {
    {
      const MutexLock lock(mutex_);
      ++size_;
      idle_.push_back(std::move(item));
    }
    returned_.notify_one();
  }

  // Waits as long as it takes. Throws when the pool has no item and its factory made
  // none, and passes on what the factory throws.
  Lease acquire() {
    auto lease = acquire_until(Clock::time_point::max());
    if (!lease) throw std::runtime_error("the pool has nothing to lend and cannot make anything");
    return std::move(*lease);
  }
  // Nothing when no item came free by `deadline`.
  std::optional<Lease> acquire_until(Clock::time_point deadline) {
    MutexLock lock(mutex_);
    ++waiting_;
    for (;;) {
      if (!idle_.empty()) {
        Item item = std::move(idle_.back());
        idle_.pop_back();
        --waiting_;
        return Lease(this, std::move(item));
      }
      if (make_ && size_ < capacity_) {
        ++size_;  // the place is taken while the item is made
        lock.unlock();
        Item item;
        try {
          item = make_();
        } catch (...) {
          lock.lock();
          --size_;
          --waiting_;
          returned_.notify_one();  // the place is free again for a waiter to try
          throw;
        }
        lock.lock();
        if (item) {
          --waiting_;
          return Lease(this, std::move(item));
        }
        --size_;
        returned_.notify_one();  // another waiter may be able to make one now
        if (size_ == 0) {        // nothing will ever come back to wait for
          --waiting_;
          return std::nullopt;
        }
      }
      if (deadline == Clock::time_point::max()) {
        returned_.wait(lock);
      } else if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty()) {
        --waiting_;
        return std::nullopt;
      }
    }
  }

  // Waiters and items, read together: what an engine reports to the metrics.
  PoolUsage usage() const {
    const MutexLock lock(mutex_);
    return {waiting_, size_};
  }
  // Callers waiting for an item now.
  std::size_t waiting() const {
    const MutexLock lock(mutex_);
    return waiting_;
  }
  // Items that exist, lent or idle.
  std::size_t size() const {
    const MutexLock lock(mutex_);
    return size_;
  }

 private:
  void give_back(Item item) {
    {
      const MutexLock lock(mutex_);
      idle_.push_back(std::move(item));
    }
    returned_.notify_one();
  }

  void forget(Item item) {
    item.reset();  // outside the lock: closing a process can take a while
    {
      const MutexLock lock(mutex_);
      --size_;
    }
    returned_.notify_one();  // a waiter may now make a new one
  }

  const std::size_t capacity_;
  const Factory make_;
  mutable Mutex mutex_;
  std::condition_variable_any returned_;  // waits on a MutexLock
  std::vector<Item> idle_ STS_GUARDED_BY(mutex_);
  std::size_t size_ STS_GUARDED_BY(mutex_) = 0;
  std::size_t waiting_ STS_GUARDED_BY(mutex_) = 0;
};

}  // namespace sts::util
