// Whether an engine can serve now, for GET /health; `detail` says why not.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "util/mutex.h"

namespace sts::util {

struct Readiness {
  bool ready = true;
  std::string detail;
};

// An engine's pool of decoders, processes or connections (util::LendingPool): callers
// waiting for one now, and how many exist.
struct PoolUsage {
  std::size_t waiting = 0;
  std::size_t size = 0;
};

// Readiness of a remote service from the calls made to it: not ready after a call
// that got no answer, until a later call gets one or the failure is old enough that
// it says nothing about now (nobody may be calling a service that is reported down).
class RecentFailure {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kForgetAfter{30};

  void succeeded() {
    const MutexLock lock(mutex_);
    failed_at_.reset();
  }
  void failed(std::string detail) {
    const MutexLock lock(mutex_);
    failed_at_ = Clock::now();
    detail_ = std::move(detail);
  }
  Readiness readiness() const {
    const MutexLock lock(mutex_);
    if (!failed_at_ || Clock::now() - *failed_at_ > kForgetAfter) return {};
    return {false, detail_};
  }

 private:
  mutable Mutex mutex_;
  std::optional<Clock::time_point> failed_at_ STS_GUARDED_BY(mutex_);
  std::string detail_ STS_GUARDED_BY(mutex_);
};

}  // namespace sts::util
