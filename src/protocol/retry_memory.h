// What a stream remembers of the fragments it delivered, so that a worker's retry of
// one is answered without new work (docs/protocol.md §2, idempotent retry): the
// sequence number of the last 1024 fragment ids, and the event itself for the most
// recent successes, as many as the settings allow. Failures are not stored: their
// retry is processed anew.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "protocol/processed_frame.h"

namespace sts::protocol {

class RetryMemory {
 public:
  struct Delivered {
    std::int64_t sequence_number = 0;
    ProcessedFrame event;  // kept for successes only, while room lasts
  };

  RetryMemory(std::size_t remembered_ids, std::size_t stored_events)
      : remembered_ids_(remembered_ids), stored_events_(stored_events) {}

  void remember(const std::string& fragment_id, std::int64_t sequence_number, bool succeeded, ProcessedFrame event);
  // Null when the id was never delivered, or is too old to be remembered.
  const Delivered* find(const std::string& fragment_id) const;

 private:
  const std::size_t remembered_ids_;
  const std::size_t stored_events_;
  std::unordered_map<std::string, Delivered> delivered_;
  std::deque<std::string> delivered_order_;
  std::deque<std::string> stored_order_;
};

}  // namespace sts::protocol
