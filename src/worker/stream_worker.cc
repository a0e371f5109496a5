#include "worker/stream_worker.h"

#include <algorithm>

namespace sts::worker {
namespace {

double millis_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string millis(std::chrono::milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

}  // namespace

std::chrono::milliseconds retry_delay(int retry, std::chrono::milliseconds base) {
  return base * (std::int64_t{1} << std::clamp(retry - 1, 0, 30));
}

StreamWorker::StreamWorker(boost::asio::io_context& io, Transport& transport, WorkerOptions options,
                           FragmentSource source, RunStats& stats, OnOutcome on_outcome, OnFinished on_finished)
    : transport_(transport),
      options_(std::move(options)),
      source_(std::move(source)),
      stats_(stats),
      on_outcome_(std::move(on_outcome)),
      on_finished_(std::move(on_finished)),
      timer_(io) {}

void StreamWorker::start() {
  phase_deadline_ = Clock::now() + options_.ready_timeout;
  transport_.open(options_.stream, *this);
  schedule(phase_deadline_);
}

void StreamWorker::on_event(ServerEvent event) {
  if (phase_ == Phase::done) return;
  std::visit([this](auto& payload) { handle(payload); }, event);
}

void StreamWorker::on_closed(const std::string& reason) {
  if (phase_ == Phase::done) return;
  // Everything had its outcome; only the server's summary is missing.
  if (phase_ == Phase::ending) {
    finish(true, transport_.peer() + " closed the connection before stream:complete (" + reason + ")");
    return;
  }
  if (phase_ == Phase::connecting) {
    finish(false, transport_.peer() + ": " + reason);
    return;
  }
  finish(false, "lost " + transport_.peer() + ": " + reason);
}

void StreamWorker::handle(const StreamReady& ready) {
  if (phase_ != Phase::connecting) return;
  window_ = static_cast<std::size_t>(ready.max_inflight);
  phase_ = Phase::streaming;
  ready_ = true;
  started_ = Clock::now();
  pump();
}

void StreamWorker::handle(const FragmentAck& ack) {
  const auto it = in_flight_.find(ack.fragment_id);
  if (it == in_flight_.end() || it->second.acked) return;
  it->second.acked = true;
  stats_.add_latency("ack", millis_between(it->second.sent_at, Clock::now()));
}

void StreamWorker::handle(FragmentProcessed& processed) {
  const auto it = in_flight_.find(processed.fragment_id);
  if (it == in_flight_.end()) return;  // a duplicate answer to a fragment already settled
  Attempt attempt = std::move(it->second);
  in_flight_.erase(it);
  // A retry is answered after later fragments by design; a first attempt never is.
  if (attempt.retries == 0) {
    if (latest_answered_ && attempt.index < *latest_answered_) ++stats_.reordered;
    latest_answered_ = std::max(latest_answered_.value_or(0), attempt.index);
  }
  const double latency = millis_between(attempt.sent_at, Clock::now());
  stats_.add_latency("worker", latency);
  stats_.add_latency("processing", processed.processing_time_ms);
  for (const auto& [stage, ms] : processed.stage_timings) stats_.add_latency(stage, ms);
  transport_.confirm_delivery(processed.fragment_id);
  if (processed.status == pipeline::FragmentStatus::failed) {
    const FragmentError error = processed.error.value_or(FragmentError{"", "FAILED", "failed without an error", false});
    retry_or_fail(std::move(attempt), error.code, error.message, error.retryable);
  } else {
    FragmentOutcome outcome;
    outcome.status = processed.status;
    outcome.dubbed_audio = std::move(processed.dubbed_audio);
    outcome.stage_timings = std::move(processed.stage_timings);
    outcome.latency_ms = latency;
    conclude(attempt, std::move(outcome));
  }
  pump();
}

void StreamWorker::handle(const Backpressure& backpressure) {
  ++stats_.backpressure_events;
  paused_ = backpressure.action == Backpressure::Action::pause;
  send_gap_ = backpressure.action == Backpressure::Action::none
                  ? std::chrono::milliseconds(0)
                  : std::chrono::milliseconds(backpressure.recommended_delay_ms);
  pump();
}

void StreamWorker::handle(const ServerError& error) {
  if (error.fragment_id) {
    if (const auto it = in_flight_.find(*error.fragment_id); it != in_flight_.end()) {
      Attempt attempt = std::move(it->second);
      in_flight_.erase(it);
      retry_or_fail(std::move(attempt), error.code, error.message, error.retryable);
      pump();
      return;
    }
  }
  ++stats_.errors_by_code[error.code];
  if (phase_ == Phase::connecting || error.severity == "fatal") {
    finish(false, transport_.peer() + " refused the stream: " + error.code + ": " + error.message);
  }
}

void StreamWorker::handle(const StreamComplete&) {
  if (phase_ == Phase::ending) finish(true, {});
}

void StreamWorker::retry_or_fail(Attempt attempt, const std::string& code, const std::string& message, bool retryable) {
  ++stats_.errors_by_code[code];
  if (retryable && attempt.retries < options_.max_retries) {
    ++attempt.retries;
    ++stats_.retries;
    retries_.emplace(Clock::now() + retry_delay(attempt.retries, options_.retry_base), std::move(attempt));
    return;
  }
  FragmentOutcome outcome;
  outcome.error_code = code;
  outcome.error_message = message;
  conclude(attempt, std::move(outcome));
}

void StreamWorker::conclude(Attempt& attempt, FragmentOutcome outcome) {
  outcome.index = attempt.index;
  outcome.fragment = std::move(attempt.fragment);
  outcome.retries = attempt.retries;
  ++delivered_;
  ++stats_.fragments_by_status[std::string(pipeline::status_name(outcome.status))];
  on_outcome_(outcome);
}

void StreamWorker::pump() {
  if (phase_ != Phase::streaming) return;
  const auto now = Clock::now();
  if (options_.answer_timeout) {
    for (const auto& [id, attempt] : in_flight_) {
      if (attempt.sent_at + *options_.answer_timeout <= now) {
        finish(false, "no answer to fragment " + id + " from " + transport_.peer() + " within " +
                          millis(*options_.answer_timeout));
        return;
      }
    }
  }
  auto wake = Clock::time_point::max();
  while (send_next(now, wake)) {
  }
  if (!retries_.empty()) wake = std::min(wake, retries_.begin()->first);
  if (options_.answer_timeout) {
    for (const auto& [id, attempt] : in_flight_) wake = std::min(wake, attempt.sent_at + *options_.answer_timeout);
  }
  if (exhausted_ && !upcoming_ && in_flight_.empty() && retries_.empty()) {
    phase_ = Phase::ending;
    transport_.end_stream();
    phase_deadline_ = now + options_.complete_timeout;
    wake = phase_deadline_;
  }
  schedule(wake);
}

// Sends one fragment if the window, backpressure and pacing allow; otherwise lowers
// `wake` to when they might, and returns false.
bool StreamWorker::send_next(Clock::time_point now, Clock::time_point& wake) {
  // A pause lifts as deliveries lower the server's in-flight count; with nothing in
  // flight there is nothing to lower it, so a pause then would never end.
  if ((paused_ && !in_flight_.empty()) || in_flight_.size() >= window_) return false;
  if (send_gap_.count() > 0 && now < last_send_ + send_gap_) {
    wake = std::min(wake, last_send_ + send_gap_);
    return false;
  }
  if (!retries_.empty() && retries_.begin()->first <= now) {
    auto node = retries_.extract(retries_.begin());
    send(std::move(node.mapped()));
    return true;
  }
  if (!upcoming_ && !exhausted_) {
    if (auto fragment = source_(next_index_)) {
      upcoming_ = Attempt{next_index_++, std::move(*fragment), 0, {}, false};
    } else {
      exhausted_ = true;
    }
  }
  if (!upcoming_) return false;
  if (options_.realtime) {
    const auto due = started_ + std::chrono::milliseconds(upcoming_->fragment.start_ms);
    if (now < due) {
      wake = std::min(wake, due);
      return false;
    }
  }
  send(std::move(*upcoming_));
  upcoming_.reset();
  return true;
}

// Every send, a retry too, takes the next sequence number: a fragment that was
// rejected was never accepted, and the server refuses a new fragment numbered at or
// below one it has delivered; retries come after later fragments. (A retry of a
// delivered failure could keep its number; one rule is simpler.) The fragment keeps
// its id (retries are idempotent by id) and its place on the timeline
// (metadata.pts_ns).
void StreamWorker::send(Attempt attempt) {
  // Now, not when the pump began: taking a fragment from the source may encode it.
  attempt.sent_at = Clock::now();
  attempt.acked = false;
  last_send_ = attempt.sent_at;
  transport_.send_fragment(attempt.fragment, next_sequence_++);
  const std::string id = attempt.fragment.fragment_id;
  in_flight_.insert_or_assign(id, std::move(attempt));
}

void StreamWorker::schedule(Clock::time_point wake) {
  if (wake == Clock::time_point::max()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(wake);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_timer();
  });
}

void StreamWorker::on_timer() {
  const auto now = Clock::now();
  if (phase_ == Phase::connecting && now >= phase_deadline_) {
    finish(false, "no stream:ready from " + transport_.peer() + " within " + millis(options_.ready_timeout));
  } else if (phase_ == Phase::ending && now >= phase_deadline_) {
    finish(true, "no stream:complete from " + transport_.peer() + " within " + millis(options_.complete_timeout));
  } else {
    pump();
  }
}

void StreamWorker::finish(bool ok, std::string text) {
  if (phase_ == Phase::done) return;
  phase_ = Phase::done;
  stats_.lost += in_flight_.size() + retries_.size();
  timer_.cancel();
  transport_.close();
  WorkerResult result;
  result.ok = ok;
  (ok ? result.note : result.failure) = std::move(text);
  result.streamed = ready_;
  result.delivered = delivered_;
  on_finished_(result);
}

}  // namespace sts::worker
