// The part of Stream that outlives a connection (docs/protocol.md §2, "A stream
// outlives its connection"): detach, the grace, re-attach, and the quiet cancel when
// nobody comes back.
#include <algorithm>

#include "observability/log.h"
#include "protocol/stream.h"

namespace sts::protocol {

void Stream::detach(std::string_view reason, std::chrono::milliseconds grace, std::function<void()> on_expired) {
  if (detached()) return;
  outbox_.detach();
  detached_at_ = Clock::now();
  services_.monitor.stream_detached();
  view_->set_state("detached");
  util::Json fields = log_fields_;
  fields.update({{"reason", reason}, {"pending", slots_.size()}, {"grace_ms", grace.count()}});
  observability::log_info("stream detached", fields);
  grace_timer_.expires_after(grace);
  grace_timer_.async_wait([weak = weak_from_this(), on_expired = std::move(on_expired)](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->detached()) return;
    util::Json expired = self->log_fields_;
    expired.update({{"held", self->outbox_.held()},
                    {"pending", self->slots_.size()},
                    {"seconds_detached", std::chrono::duration<double>(Clock::now() - self->detached_at_).count()}});
    observability::log_info("stream resume grace expired: cancelled", expired);
    self->services_.monitor.stream_resume_expired();
    self->state_ = State::closed;
    self->view_->set_state("closed");
    self->cancel("resume grace expired");
    on_expired();
  });
}

void Stream::attach(const std::shared_ptr<socketio::Socket>& socket, std::string_view how) {
  const bool was_detached = detached();
  grace_timer_.cancel();
  const Outbox::Flush flush = outbox_.attach(socket);
  // Held results were in flight until now.
  services_.tracker.remove(static_cast<std::int64_t>(flush.held));
  if (was_detached) {
    view_->set_state(state() == State::paused ? "paused" : "active");
    services_.monitor.stream_detach_ended();
  }
  services_.monitor.stream_reattached(flush.resent);
  // The worker may still believe the level it heard last, before the loss.
  if (level_ != Severity::low) send_backpressure(static_cast<int>(slots_.size()));
  util::Json fields = log_fields_;
  fields.update(
      {{"by", how},
       {"sid", socket->id()},
       {"held", flush.held},
       {"resent", flush.resent},
       {"pending", slots_.size()},
       {"seconds_detached", was_detached ? std::chrono::duration<double>(Clock::now() - detached_at_).count() : 0.0}});
  observability::log_info("stream re-attached", fields);
}

Stream::Resumed Stream::resumed() const {
  Resumed resumed{highest_accepted_ + 1, outbox_.held_sequence_numbers()};
  slots_.for_each([&resumed](const Slot& slot) { resumed.pending.push_back(slot.sequence_number); });
  std::sort(resumed.pending.begin(), resumed.pending.end());
  return resumed;
}

void Stream::cancel(std::string_view reason) {
  close_timer_.cancel();
  grace_timer_.cancel();
  services_.tracker.remove(static_cast<std::int64_t>(outbox_.drop_held()));
  if (detached()) {
    services_.monitor.stream_detach_ended();
    outbox_.forget();
  }
  if (slots_.empty()) return;
  const auto cancelled = static_cast<std::int64_t>(slots_.size());
  slots_.for_each([](Slot& slot) {
    slot.control->stop.request_stop();
    slot.deadline->cancel();
  });
  slots_.clear();
  waiting_.clear();
  pending_ids_.clear();
  running_ = 0;
  view_->set_in_flight(0);
  services_.tracker.remove(cancelled);
  util::Json fields = log_fields_;
  fields.update({{"cancelled", cancelled}, {"reason", reason}});
  observability::log_info("pending fragments cancelled", fields);
}

}  // namespace sts::protocol
