// Prometheus metrics: counters, gauges and histograms with labels, written in the
// text exposition format 0.0.4. prometheus-cpp is not packaged for Debian, and we need
// little of it. Recording is lock-free (relaxed atomics); only creating a labelled
// child takes a lock, so hot paths keep the reference of the children they use.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/mutex.h"

namespace sts::observability {

class Counter {
 public:
  void inc(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  // For counters that mirror a monotonic total kept elsewhere (bytes a transport
  // moved): never goes back.
  void advance_to(double total);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `upper_bounds` ascending; the +Inf bucket is implicit.
  explicit Histogram(std::span<const double> upper_bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    std::uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;
  std::span<const double> upper_bounds() const { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // not cumulative; +Inf last
  std::atomic<double> sum_{0};
};

// Bucket bounds in seconds for stage and fragment latencies: 5 ms to 30 s.
std::span<const double> latency_buckets();

// All children of one metric name, one per combination of label values.
template <typename Metric>
class Family {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, std::vector<std::string> label_names, Factory factory)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        factory_(std::move(factory)) {}

  // The child for these label values (as many as label names, in their order),
  // created on first use. The reference stays valid for the registry's life.
  Metric& with(std::initializer_list<std::string_view> values) {
    return with(std::vector<std::string>(values.begin(), values.end()));
  }
  Metric& with(std::vector<std::string> values);

  template <typename Fn>
  void for_each(Fn&& fn) const {
    const util::MutexLock lock(mutex_);
    for (const auto& [values, metric] : children_) fn(values, *metric);
  }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const Factory factory_;
  mutable util::Mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_ STS_GUARDED_BY(mutex_);
};

class Registry {
 public:
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<std::string> label_names = {},
                               std::span<const double> upper_bounds = latency_buckets());

  // Runs before every exposition, to refresh gauges whose truth lives elsewhere
  // (queue depths, connection counts, the GPU), so nothing polls them in between.
  void add_collector(std::function<void()> collect);

  // The whole registry in the text exposition format 0.0.4, families in the order
  // they were registered.
  std::string expose() const;

 private:
  using Entry = std::variant<const Family<Counter>*, const Family<Gauge>*, const Family<Histogram>*>;
  void check_unique(const std::string& name) const STS_REQUIRES(mutex_);

  mutable util::Mutex mutex_;
  std::vector<Entry> order_ STS_GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<Family<Counter>>> counters_ STS_GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_ STS_GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_ STS_GUARDED_BY(mutex_);
  std::vector<std::function<void()>> collectors_ STS_GUARDED_BY(mutex_);
};

inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

template <typename Metric>
Metric& Family<Metric>::with(std::vector<std::string> values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument(name_ + ": " + std::to_string(label_names_.size()) + " label values expected");
  }
  const util::MutexLock lock(mutex_);
  auto& slot = children_[std::move(values)];
  if (!slot) slot = factory_();
  return *slot;
}

}  // namespace sts::observability
