#include "pipeline/compute_pool.h"

#include <boost/asio/post.hpp>

namespace sts::pipeline {

ComputePool::ComputePool(std::size_t threads) : threads_(threads), pool_(threads) {}

ComputePool::~ComputePool() { join(); }

void ComputePool::submit(std::function<void()> task) {
  queued_.fetch_add(1, std::memory_order_relaxed);
  boost::asio::post(pool_, [this, task = std::move(task)] {
    queued_.fetch_sub(1, std::memory_order_relaxed);
    task();
  });
}

void ComputePool::join() { pool_.join(); }

}  // namespace sts::pipeline
