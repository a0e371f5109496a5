// The fragments a stream accepted and has not yet delivered, by sequence number.
// Results come back from the compute threads in any order; a fragment goes out only
// when every fragment before it has (docs/protocol.md §2: delivery in sequence order).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>

namespace sts::protocol {

template <typename Slot>
class ReorderBuffer {
 public:
  Slot& add(std::int64_t sequence_number) { return slots_[sequence_number]; }
  Slot* find(std::int64_t sequence_number) {
    const auto it = slots_.find(sequence_number);
    return it == slots_.end() ? nullptr : &it->second;
  }
  const Slot* find(std::int64_t sequence_number) const {
    const auto it = slots_.find(sequence_number);
    return it == slots_.end() ? nullptr : &it->second;
  }
  std::size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  // The highest sequence number delivered so far; -1 before the first.
  std::int64_t highest_delivered() const { return highest_delivered_; }

  // Takes out, lowest first, every slot that is `ready`, and stops at the first that is
  // not: a later result waits for the earlier ones.
  template <typename Ready, typename Deliver>
  void deliver_ready(Ready ready, Deliver deliver) {
    while (!slots_.empty() && ready(slots_.begin()->second)) {
      auto node = slots_.extract(slots_.begin());
      highest_delivered_ = std::max(highest_delivered_, node.key());
      deliver(node.mapped());
    }
  }

  template <typename Visit>
  void for_each(Visit visit) {
    for (auto& [sequence_number, slot] : slots_) visit(slot);
  }
  template <typename Visit>
  void for_each(Visit visit) const {
    for (const auto& [sequence_number, slot] : slots_) visit(slot);
  }
  void clear() { slots_.clear(); }

 private:
  std::map<std::int64_t, Slot> slots_;
  std::int64_t highest_delivered_ = -1;
};

}  // namespace sts::protocol
