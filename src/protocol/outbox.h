// Where one stream's events go (docs/protocol.md §2, "A stream outlives its
// connection"): the connection it is attached to or, while it is detached, a queue of
// its results that the next connection receives first. It keeps the results sent in
// the last 10 s too, to send again on a re-attach: they may have died in the kernel's
// buffers with the old connection. Strand only (the stream's).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/processed_frame.h"
#include "socketio/socket.h"
#include "util/json.h"

namespace sts::protocol {

class Outbox {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kResendWindow{10};

  explicit Outbox(const std::shared_ptr<socketio::Socket>& socket) : socket_(socket) {}

  bool attached() const { return !detached_; }
  std::shared_ptr<socketio::Socket> socket() const { return detached_ ? nullptr : socket_.lock(); }

  // A fragment:processed: sent, or held while detached. True when sent.
  bool send_result(const ProcessedFrame& frame, std::int64_t sequence_number);
  // Any other event: sent now, or dropped while detached (acks, backpressure and the
  // like describe a moment that has passed). `urgent` jumps the connection's queue.
  void send(std::string_view event, const util::Json& payload, bool urgent = false);

  // The connection is gone: results are held from now on.
  void detach();
  struct Flush {
    std::size_t resent = 0;  // sent in the last 10 s before the loss, sent again
    std::size_t held = 0;    // held while detached, sent now
  };
  // Results go to `socket` from now on; the recent ones are re-sent, then the held ones.
  Flush attach(const std::shared_ptr<socketio::Socket>& socket);
  // Drops what is held (the stream is cancelled); how many there were.
  std::size_t drop_held();
  // The stream is cancelled: nothing goes anywhere any more.
  void forget() {
    socket_.reset();
    detached_ = false;
  }
  std::size_t held() const { return held_.size(); }
  std::vector<std::int64_t> held_sequence_numbers() const;

 private:
  void remember(const ProcessedFrame& frame);

  std::weak_ptr<socketio::Socket> socket_;
  bool detached_ = false;
  Clock::time_point detached_at_;
  std::deque<std::pair<Clock::time_point, ProcessedFrame>> recent_;
  std::deque<std::pair<std::int64_t, ProcessedFrame>> held_;  // by sequence number
};

}  // namespace sts::protocol
