#include "protocol/outbox.h"

namespace sts::protocol {

bool Outbox::send_result(const ProcessedFrame& frame, std::int64_t sequence_number) {
  if (!frame) return true;
  if (detached_) {
    held_.emplace_back(sequence_number, frame);
    return false;
  }
  if (auto socket = socket_.lock()) socket->send_event_frame(frame);
  remember(frame);
  return true;
}

void Outbox::send(std::string_view event, const util::Json& payload, bool urgent) {
  if (detached_) return;
  if (auto socket = socket_.lock()) socket->emit_ref(event, payload, urgent);
}

void Outbox::detach() {
  detached_ = true;
  detached_at_ = Clock::now();
}

Outbox::Flush Outbox::attach(const std::shared_ptr<socketio::Socket>& socket) {
  // A move from a connection still open (half-open after a blip) counts as lost now.
  const auto since = (detached_ ? detached_at_ : Clock::now()) - kResendWindow;
  socket_ = socket;
  detached_ = false;
  Flush flush;
  for (const auto& [sent_at, frame] : recent_) {
    if (sent_at < since) continue;
    socket->send_event_frame(frame);
    ++flush.resent;
  }
  for (auto& [sequence_number, frame] : held_) {
    socket->send_event_frame(frame);
    remember(frame);
    ++flush.held;
  }
  held_.clear();
  return flush;
}

std::vector<std::int64_t> Outbox::held_sequence_numbers() const {
  std::vector<std::int64_t> numbers;
  for (const auto& [sequence_number, frame] : held_) numbers.push_back(sequence_number);
  return numbers;
}

std::size_t Outbox::drop_held() {
  const std::size_t dropped = held_.size();
  held_.clear();
  return dropped;
}

void Outbox::remember(const ProcessedFrame& frame) {
  const auto now = Clock::now();
  while (!recent_.empty() && recent_.front().first < now - kResendWindow) recent_.pop_front();
  recent_.emplace_back(now, frame);
}

}  // namespace sts::protocol
