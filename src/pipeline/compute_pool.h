// The compute threads that run fragment jobs, apart from the network threads: a
// slow model never delays an ack or a ping. The queue depth is kept for metrics and
// backpressure decisions.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace sts::pipeline {

class ComputePool {
 public:
  explicit ComputePool(std::size_t threads);
  ~ComputePool();
  ComputePool(const ComputePool&) = delete;
  ComputePool& operator=(const ComputePool&) = delete;

  void submit(std::function<void()> task);
  // Jobs submitted and not yet started.
  std::size_t queued() const { return queued_.load(std::memory_order_relaxed); }
  std::size_t threads() const { return threads_; }
  // Waits for running and queued tasks; later submissions are dropped.
  void join();

 private:
  const std::size_t threads_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> workers_;
  std::atomic<std::size_t> queued_{0};
};

}  // namespace sts::pipeline
