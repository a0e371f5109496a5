#include "protocol/inflight_tracker.h"

#include <utility>

namespace sts::protocol {

void InflightTracker::remove(std::int64_t count) {
  count_.fetch_sub(count, std::memory_order_acq_rel);
  if (draining()) fire_if_drained();
}

void InflightTracker::begin_drain(std::function<void()> on_drained) {
  {
    const util::MutexLock lock(mutex_);
    on_drained_ = std::move(on_drained);
  }
  draining_.store(true, std::memory_order_release);
  fire_if_drained();
}

void InflightTracker::fire_if_drained() {
  std::function<void()> callback;
  {
    const util::MutexLock lock(mutex_);
    if (count_.load(std::memory_order_acquire) > 0 || !on_drained_) return;
    callback = std::move(on_drained_);
    on_drained_ = nullptr;
  }
  callback();
}

}  // namespace sts::protocol
