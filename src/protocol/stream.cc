#include "protocol/stream.h"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "observability/log.h"
#include "util/base64.h"

namespace sts::protocol {

namespace asio = boost::asio;
using observability::log_info;
using observability::log_warning;

namespace {

// Fragment ids remembered after delivery, for idempotent retry.
constexpr std::size_t kRememberedIds = 1024;

util::Json merged(util::Json base, const util::Json& extra) {
  base.update(extra);
  return base;
}

}  // namespace

Stream::Stream(StreamServices services, const std::shared_ptr<socketio::Socket>& socket, StreamInit init,
               std::string voice_profile, util::Json voice, util::Json log_fields)
    : services_(services),
      nsp_(socket->nsp()),
      outbox_(socket),
      strand_(socket->strand()),
      init_(std::move(init)),
      log_fields_(std::move(log_fields)),
      delivered_(kRememberedIds, services_.settings.stored_results),
      close_timer_(strand_),
      grace_timer_(strand_) {
  spec_ = std::make_shared<const pipeline::StreamSpec>(stream_spec(init_, std::move(voice_profile), std::move(voice)));
  view_ = services_.monitor.stream_opened({{"stream_id", init_.stream_id},
                                           {"worker_id", init_.worker_id},
                                           {"source_language", init_.source_language},
                                           {"target_language", init_.target_language},
                                           {"voice_profile", spec_->voice_profile},
                                           {"format", audio::format_name(init_.format)}});
}

Stream::~Stream() {
  cancel("stream released");
  services_.monitor.stream_closed(view_);
}

void Stream::on_fragment(FragmentData fragment) {
  if (answer_retry(fragment)) return;
  const bool retry = delivered_.find(fragment.fragment_id) != nullptr;
  if (auto refused = check_acceptance(fragment, facts_for(fragment, retry))) {
    reject(fragment, std::move(*refused));
    return;
  }
  auto audio = vet_audio(fragment);
  if (!audio) {
    reject(fragment, std::move(audio.error()));
    return;
  }
  if (slots_.size() + 1 > static_cast<std::size_t>(services_.settings.backpressure.reject_above)) {
    reject(fragment,
           Rejection(ErrorCode::backpressure_exceeded,
                     std::to_string(slots_.size()) + " fragments in flight; wait for deliveries before sending more"));
    return;
  }
  accept(std::move(fragment), std::move(*audio));
}

// A fragment_id seen before is answered without new work: pending → ack again;
// delivered successfully → ack and the stored result again. A delivered failure
// (or a success no longer stored) is processed anew: returns false.
bool Stream::answer_retry(const FragmentData& fragment) {
  if (const auto pending = pending_ids_.find(fragment.fragment_id); pending != pending_ids_.end()) {
    if (pending->second != fragment.sequence_number) {
      reject(fragment, Rejection(ErrorCode::invalid_sequence,
                                 "fragment_id is pending with sequence_number " + std::to_string(pending->second)));
      return true;
    }
    const auto position = std::find(waiting_.begin(), waiting_.end(), fragment.sequence_number);
    send_ack(fragment.fragment_id, position == waiting_.end() ? 0 : static_cast<int>(position - waiting_.begin()) + 1);
    log_info("duplicate of a pending fragment acknowledged again",
             fragment_fields(fragment.fragment_id, fragment.sequence_number));
    return true;
  }
  const auto* delivered = delivered_.find(fragment.fragment_id);
  if (delivered == nullptr || !delivered->event) return false;
  send_ack(fragment.fragment_id, 0);
  log_info("stored result re-sent for a delivered fragment",
           fragment_fields(fragment.fragment_id, delivered->sequence_number));
  // Not held if detached: it is no longer in flight, and the worker will ask again.
  if (auto socket = outbox_.socket()) socket->send_event_frame(delivered->event);
  return true;
}

StreamFacts Stream::facts_for(const FragmentData& fragment, bool retry) const {
  const Slot* pending = slots_.find(fragment.sequence_number);
  return {services_.tracker.draining(),
          state() == State::paused,
          state() == State::active || state() == State::paused,
          services_.settings.max_fragment_bytes,
          init_.format,
          init_.sample_rate_hz,
          init_.channels,
          pending ? std::optional(pending->fragment_id) : std::nullopt,
          slots_.highest_delivered(),
          retry};
}

void Stream::accept(FragmentData fragment, std::vector<std::uint8_t> audio) {
  const std::int64_t sequence = fragment.sequence_number;
  auto job = std::make_shared<pipeline::FragmentJob>();
  job->stream = spec_;
  job->fragment_id = fragment.fragment_id;
  job->sequence_number = sequence;
  job->format = fragment.format;
  job->sample_rate_hz = fragment.sample_rate_hz;
  job->channels = fragment.channels;
  job->duration_ms = fragment.duration_ms;
  job->audio = std::move(audio);
  job->metadata = std::move(fragment.metadata);

  highest_accepted_ = std::max(highest_accepted_, sequence);
  Slot& slot = slots_.add(sequence);
  slot.fragment_id = fragment.fragment_id;
  slot.sequence_number = sequence;
  slot.accepted_at = Clock::now();
  slot.job = std::move(job);
  slot.audio_base64 = std::move(fragment.data_base64);
  slot.control = std::make_shared<pipeline::JobControl>();
  slot.control->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(init_.timeout_ms);
  slot.deadline = std::make_unique<asio::steady_timer>(strand_, std::chrono::milliseconds(init_.timeout_ms));
  slot.deadline->async_wait([weak = weak_from_this(), sequence, control = slot.control](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_deadline(sequence, control);
  });
  pending_ids_[slot.fragment_id] = sequence;
  waiting_.push_back(sequence);
  services_.tracker.add(1);

  // The ack goes out before the job reaches a compute thread, which could otherwise
  // take this core first. Its place is where it will wait once free slots are filled.
  const auto ahead = static_cast<std::int64_t>(waiting_.size()) - 1;
  const std::int64_t free_slots = init_.max_inflight - running_;
  send_ack(slot.fragment_id, ahead < free_slots ? 0 : static_cast<int>(ahead - free_slots) + 1);
  start_waiting();
  observability::log_debug("fragment accepted", fragment_fields(slot.fragment_id, sequence));
  view_->set_in_flight(static_cast<std::int64_t>(slots_.size()));
  update_backpressure();
}

void Stream::start_waiting() {
  while (running_ < init_.max_inflight && !waiting_.empty()) {
    const std::int64_t sequence = waiting_.front();
    waiting_.pop_front();
    if (Slot* slot = slots_.find(sequence); slot != nullptr && !slot->result) start(*slot);
  }
}

void Stream::start(Slot& slot) {
  slot.running = true;
  ++running_;
  services_.pool.submit([&pipeline = services_.pipeline, job = slot.job, audio_base64 = std::move(slot.audio_base64),
                         control = slot.control, strand = strand_, weak = weak_from_this(), nsp = nsp_,
                         stream_id = init_.stream_id, accepted_at = slot.accepted_at,
                         log_fields = fragment_fields(slot.fragment_id, slot.sequence_number)] {
    const observability::ScopedLogFields log_scope(log_fields);
    auto done = run_fragment_job(pipeline, *job, audio_base64, *control, accepted_at, nsp, stream_id);
    asio::post(strand, [weak, job, control, done = std::move(done)]() mutable {
      if (auto self = weak.lock())
        self->on_result(*job, control, std::move(done.result), done.processing_ms, done.frame);
    });
  });
}

void Stream::on_result(const pipeline::FragmentJob& job, const std::shared_ptr<pipeline::JobControl>& control,
                       pipeline::FragmentResult result, std::int64_t processing_ms, ProcessedFrame processed) {
  Slot* found = slots_.find(job.sequence_number);
  if (found == nullptr || found->control != control || found->result) {
    observability::log_debug("late result discarded", fragment_fields(job.fragment_id, job.sequence_number));
    return;
  }
  Slot& slot = *found;
  slot.running = false;
  --running_;
  slot.deadline->cancel();
  slot.processing_ms = processing_ms;
  slot.result = std::move(result);
  slot.processed = std::move(processed);
  deliver_ready();
  start_waiting();
}

void Stream::on_deadline(std::int64_t sequence_number, const std::shared_ptr<pipeline::JobControl>& control) {
  Slot* slot = slots_.find(sequence_number);
  if (slot == nullptr || slot->control != control || slot->result) return;
  fail_slot(*slot, "no result within timeout_ms " + std::to_string(init_.timeout_ms));
  deliver_ready();
  start_waiting();
}

// Fails a pending slot with TIMEOUT in the stage it had reached; a result that
// arrives later is discarded.
void Stream::fail_slot(Slot& slot, std::string message) {
  slot.control->stop.request_stop();
  const pipeline::Stage stage = slot.running ? slot.control->stage.load() : pipeline::Stage::queued;
  if (slot.running) {
    slot.running = false;
    --running_;
  } else {
    std::erase(waiting_, slot.sequence_number);
  }
  slot.deadline->cancel();
  pipeline::FragmentResult result;
  result.status = pipeline::FragmentStatus::failed;
  result.error = pipeline::StageError{stage, {ErrorCode::timeout, std::move(message)}};
  result.original_duration_ms = slot.job->duration_ms;
  slot.processing_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - slot.accepted_at).count();
  slot.result = std::move(result);
  log_warning("fragment timed out", merged(fragment_fields(slot.fragment_id, slot.sequence_number),
                                           {{"stage", pipeline::stage_name(stage)}, {"timeout_ms", init_.timeout_ms}}));
}

void Stream::deliver_ready() {
  // The level is judged after each delivery, so a worker sees the same events
  // whichever order the jobs of a batch finished in.
  slots_.deliver_ready([](const Slot& slot) { return slot.result.has_value(); },
                       [this](Slot& slot) {
                         deliver(slot);
                         update_backpressure();
                       });
  if (state() == State::ending && slots_.empty()) complete();
}

void Stream::deliver(Slot& slot) {
  const pipeline::FragmentResult& result = *slot.result;
  pending_ids_.erase(slot.fragment_id);
  statistics_.record(result.status, slot.processing_ms, result.original_duration_ms);
  services_.monitor.fragment_delivered(result, slot.processing_ms);
  view_->delivered(slot.processing_ms);
  view_->set_in_flight(static_cast<std::int64_t>(slots_.size()));

  ProcessedFrame event = slot.processed;
  if (!event) {
    event = processed_frame(nsp_, result, init_.stream_id, slot.fragment_id, slot.sequence_number, slot.processing_ms,
                            slot.job->metadata);
  }
  util::Json fields = fragment_fields(slot.fragment_id, slot.sequence_number);
  fields.update({{"status", pipeline::status_name(result.status)},
                 {"processing_time_ms", slot.processing_ms},
                 {"stage_timings", stage_timings_json(result)}});
  if (result.error) {
    fields.update({{"error_stage", pipeline::stage_name(result.error->stage)},
                   {"error_code", wire_name(result.error->error.code)}});
  }
  for (const auto& retry : result.retries) {
    log_warning(
        "stage retried after a transient failure",
        merged(fragment_fields(slot.fragment_id, slot.sequence_number), {{"stage", pipeline::stage_name(retry.stage)},
                                                                         {"error_code", wire_name(retry.error.code)},
                                                                         {"error_message", retry.error.message}}));
  }
  if (!result.retries.empty()) fields["retries"] = result.retries.size();
  log_info("fragment delivered", fields);
  if (event && event->size() > services_.settings.outgoing_warning_bytes) {
    log_warning("fragment:processed exceeds 4 MiB; python-socketio (aiohttp) workers drop such messages", fields);
  }
  delivered_.remember(slot.fragment_id, slot.sequence_number, result.status != pipeline::FragmentStatus::failed, event);
  // Only after the event is queued: reaching zero may start closing connections. A
  // result held for a detached stream stays in flight until it is sent or dropped.
  if (outbox_.send_result(event, slot.sequence_number)) services_.tracker.remove(1);
}

void Stream::update_backpressure() {
  const int in_flight = static_cast<int>(slots_.size());
  const Severity level = severity_for(in_flight, services_.settings.backpressure);
  if (level == level_) return;
  level_ = level;
  services_.monitor.backpressure_changed(level);
  view_->set_backpressure(level);
  send_backpressure(in_flight);
}

void Stream::send_backpressure(int in_flight) {
  emit_urgent("backpressure",
              backpressure_json(init_.stream_id, {level_, in_flight, init_.max_inflight,
                                                  static_cast<int>(waiting_.size()), typical_processing_ms()}));
}

std::int64_t Stream::typical_processing_ms() const {
  return static_cast<std::int64_t>(statistics_.average_processing_ms() + 0.5);
}

void Stream::pause(const std::string& reason) {
  if (state() != State::active) return;
  state_ = State::paused;
  view_->set_state("paused");
  log_info("stream paused", merged(log_fields_, {{"reason", reason}}));
}

void Stream::resume() {
  if (state() != State::paused) return;
  state_ = State::active;
  view_->set_state("active");
  log_info("stream resumed", log_fields_);
}

void Stream::end(const std::string& reason) {
  if (state() != State::active && state() != State::paused) return;
  state_ = State::ending;
  view_->set_state("ending");
  log_info("stream ending", merged(log_fields_, {{"reason", reason}, {"pending", slots_.size()}}));
  if (slots_.empty()) complete();
}

void Stream::complete() {
  state_ = State::complete;
  view_->set_state("complete");
  util::Json summary = statistics_.complete_json(init_.stream_id);
  log_info("stream complete", merged(log_fields_, {{"statistics", summary["statistics"]},
                                                   {"total_fragments", summary["total_fragments"]}}));
  emit("stream:complete", std::move(summary));
  close_timer_.expires_after(services_.settings.stream_close_delay);
  close_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    self->state_ = State::closed;
    self->view_->set_state("closed");
    if (auto socket = self->outbox_.socket()) socket->disconnect();
  });
}

void Stream::on_client_ack(const std::string& fragment_id, std::string_view status) {
  const auto* delivered = delivered_.find(fragment_id);
  util::Json fields = merged(log_fields_, {{"fragment_id", fragment_id}, {"status", status}});
  fields["sequence_number"] = delivered == nullptr ? util::Json() : util::Json(delivered->sequence_number);
  observability::log_debug("worker confirmed delivery", fields);
}

void Stream::expire_pending() {
  // Nobody would receive what a detached stream finishes now.
  if (detached()) {
    cancel("the server is shutting down");
    return;
  }
  slots_.for_each([this](Slot& slot) {
    if (!slot.result) fail_slot(slot, "the server is shutting down");
  });
  deliver_ready();
}

void Stream::send_ack(const std::string& fragment_id, int queue_position) {
  const std::int64_t typical = std::max<std::int64_t>(typical_processing_ms(), 1);
  emit_urgent("fragment:ack",
              ack_json(fragment_id, queue_position, typical * (queue_position / init_.max_inflight + 1)));
}

void Stream::reject(const FragmentData& fragment, Rejection rejection) {
  const std::string_view code = wire_name(rejection.error.code);
  services_.monitor.request_rejected(code);
  log_warning("fragment rejected", merged(fragment_fields(fragment.fragment_id, fragment.sequence_number),
                                          {{"code", code}, {"reason", rejection.error.message}}));
  emit_urgent("error", error_json(rejection.error, init_.stream_id, fragment.fragment_id));
}

void Stream::emit(std::string_view event, const util::Json& payload) { outbox_.send(event, payload); }

// Acks, rejections and backpressure jump the connection's send queue, in the order
// they were emitted: docs/protocol.md wants acks within 50 ms, and none of these may wait
// behind megabytes of earlier results. An ack never overtakes its own fragment's
// result, which does not exist yet.
void Stream::emit_urgent(std::string_view event, const util::Json& payload) { outbox_.send(event, payload, true); }

util::Json Stream::fragment_fields(const std::string& fragment_id, std::int64_t sequence_number) const {
  return merged(log_fields_, {{"fragment_id", fragment_id}, {"sequence_number", sequence_number}});
}

}  // namespace sts::protocol
