// How many accepted fragments are still to be delivered, across every stream: what
// graceful shutdown waits on.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "util/mutex.h"

namespace sts::protocol {

class InflightTracker {
 public:
  void add(std::int64_t count) { count_.fetch_add(count, std::memory_order_relaxed); }
  void remove(std::int64_t count);
  std::int64_t count() const { return count_.load(std::memory_order_relaxed); }
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  // `on_drained` runs once, on whichever thread sees the count reach zero (maybe
  // this one, at once).
  void begin_drain(std::function<void()> on_drained);

 private:
  void fire_if_drained() STS_LOCKS_EXCLUDED(mutex_);

  std::atomic<std::int64_t> count_{0};
  std::atomic<bool> draining_{false};
  util::Mutex mutex_;
  std::function<void()> on_drained_ STS_GUARDED_BY(mutex_);
};

}  // namespace sts::protocol
