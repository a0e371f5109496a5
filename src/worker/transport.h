// Where a worker's stream goes: a server over Socket.IO, or the pipeline in this
// process. The worker logic (pacing, backpressure, retries, bounds) is the same for
// both; only this interface differs.
#pragma once

#include <string>

#include "worker/events.h"

namespace sts::worker {

class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  virtual void on_event(ServerEvent event) = 0;
  // The transport ended without being closed by the worker; `reason` in words.
  virtual void on_closed(const std::string& reason) = 0;
};

// Every call and callback happens on the one thread that runs the io_context the
// transport was built with; callbacks never run inside the calls below.
class Transport {
 public:
  virtual ~Transport() = default;
  // Connects and sends stream:init; the answer and everything after go to `handler`.
  virtual void open(const StreamConfig& config, TransportHandler& handler) = 0;
  virtual void send_fragment(const OutgoingFragment& fragment, std::int64_t sequence_number) = 0;
  virtual void confirm_delivery(const std::string& fragment_id) = 0;
  virtual void end_stream() = 0;
  // No callback runs after this.
  virtual void close() = 0;
  // Where the stream goes, for messages: "the server at http://...".
  virtual std::string peer() const = 0;
};

}  // namespace sts::worker
