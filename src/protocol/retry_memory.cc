#include "protocol/retry_memory.h"

namespace sts::protocol {

void RetryMemory::remember(const std::string& fragment_id, std::int64_t sequence_number, bool succeeded,
                           ProcessedFrame event) {
  auto [it, inserted] = delivered_.insert_or_assign(fragment_id, Delivered{sequence_number, nullptr});
  if (inserted) delivered_order_.push_back(fragment_id);
  if (succeeded && stored_events_ > 0) {
    it->second.event = std::move(event);
    stored_order_.push_back(fragment_id);
    if (stored_order_.size() > stored_events_) {
      if (const auto old = delivered_.find(stored_order_.front()); old != delivered_.end()) old->second.event.reset();
      stored_order_.pop_front();
    }
  }
  if (delivered_order_.size() > remembered_ids_) {
    delivered_.erase(delivered_order_.front());
    delivered_order_.pop_front();
  }
}

const RetryMemory::Delivered* RetryMemory::find(const std::string& fragment_id) const {
  const auto it = delivered_.find(fragment_id);
  return it == delivered_.end() ? nullptr : &it->second;
}

}  // namespace sts::protocol
