#include "pipeline/compute_pool.h"

#include <pthread.h>
#include <sched.h>

#include <boost/asio/post.hpp>

namespace sts::pipeline {

ComputePool::ComputePool(std::size_t threads)
    : threads_(threads), io_(static_cast<int>(threads)), work_(io_.get_executor()) {
  for (std::size_t i = 0; i < threads; ++i) {
    workers_.emplace_back([this] {
      // SCHED_BATCH: a job never preempts the network thread that handed it over on
      // a shared core, so that thread gets its ack out first; jobs keep their full
      // share of the CPU.
      const sched_param priority{};
      pthread_setschedparam(pthread_self(), SCHED_BATCH, &priority);
      io_.run();
    });
  }
}

ComputePool::~ComputePool() { join(); }

void ComputePool::submit(std::function<void()> task) {
  queued_.fetch_add(1, std::memory_order_relaxed);
  boost::asio::post(io_, [this, task = std::move(task)] {
    queued_.fetch_sub(1, std::memory_order_relaxed);
    task();
  });
}

void ComputePool::join() {
  work_.reset();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

}  // namespace sts::pipeline
