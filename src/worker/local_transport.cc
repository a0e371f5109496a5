#include "worker/local_transport.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "protocol/messages.h"

namespace sts::worker {

// Lives on the io_context's thread; jobs on the pool only read `spec` and `pipeline`.
struct LocalTransport::State {
  TransportHandler* handler = nullptr;
  bool closed = false;
  bool ending = false;
  std::shared_ptr<const pipeline::StreamSpec> spec;
  int running = 0;
  StreamComplete complete;

  void deliver(ServerEvent event) {
    if (closed) return;
    if (const auto* processed = std::get_if<FragmentProcessed>(&event)) {
      --running;
      ++complete.total_fragments;
      switch (processed->status) {
        case pipeline::FragmentStatus::success: ++complete.success_count; break;
        case pipeline::FragmentStatus::partial: ++complete.partial_count; break;
        case pipeline::FragmentStatus::failed: ++complete.failed_count; break;
      }
    }
    handler->on_event(std::move(event));
    if (!closed && ending && running == 0) {
      ending = false;
      handler->on_event(complete);
    }
  }
};

LocalTransport::LocalTransport(boost::asio::io_context& io, const pipeline::Pipeline& pipeline,
                               pipeline::ComputePool& pool, const protocol::VoiceCatalog& catalog)
    : io_(io), pipeline_(pipeline), pool_(pool), catalog_(catalog), state_(std::make_shared<State>()) {}

LocalTransport::~LocalTransport() { close(); }

void LocalTransport::post(ServerEvent event) {
  boost::asio::post(io_, [state = state_, event = std::move(event)]() mutable { state->deliver(std::move(event)); });
}

void LocalTransport::open(const StreamConfig& config, TransportHandler& handler) {
  state_->handler = &handler;
  // As the server would refuse a stream:init: the code's wire name and flags from the table.
  const auto refuse = [&](ErrorCode code, std::string message) {
    post(ServerError{std::string(wire_name(code)), std::move(message),
                     std::string(severity_name(traits(code).severity)), retryable(code), std::nullopt});
  };
  if (!pipeline_.supports(config.source_language, config.target_language)) {
    refuse(ErrorCode::unsupported_language_pair, "the " + std::string(pipeline_.name()) +
                                                     " pipeline does not translate " + config.source_language + " to " +
                                                     config.target_language);
    return;
  }
  const auto voice = catalog_.resolve(config.voice_profile, config.target_language);
  if (!voice) {
    refuse(ErrorCode::invalid_voice_profile, voice.error());
    return;
  }
  auto spec = std::make_shared<pipeline::StreamSpec>();
  spec->stream_id = config.stream_id;
  spec->source_language = config.source_language;
  spec->target_language = config.target_language;
  spec->voice_profile = (*voice)->name;
  spec->voice = (*voice)->settings;
  spec->format = config.format;
  spec->sample_rate_hz = config.sample_rate_hz;
  spec->channels = config.channels;
  spec->chunk_duration_ms = config.chunk_duration_ms;
  spec->domain_hints = config.domain_hints;
  state_->spec = std::move(spec);
  post(StreamReady{"local", config.max_inflight});
}

void LocalTransport::send_fragment(const OutgoingFragment& fragment, std::int64_t sequence_number) {
  if (state_->closed || !state_->spec) return;
  auto job = std::make_shared<pipeline::FragmentJob>();
  job->stream = state_->spec;
  job->fragment_id = fragment.fragment_id;
  job->sequence_number = sequence_number;
  job->format = fragment.format;
  job->sample_rate_hz = fragment.sample_rate_hz;
  job->channels = fragment.channels;
  job->duration_ms = fragment.duration_ms;
  job->audio = *fragment.audio;
  job->metadata = {{"pts_ns", fragment.start_ms * 1'000'000}};
  ++state_->running;
  post(FragmentAck{fragment.fragment_id});
  // The guard keeps io.run() going while the job runs: until it posts its result, the
  // io_context itself has nothing to wait for.
  pool_.submit([&pipeline = pipeline_, &io = io_, job, state = state_, work = boost::asio::make_work_guard(io_)] {
    const auto started = std::chrono::steady_clock::now();
    pipeline::JobControl control;
    const pipeline::FragmentResult result = pipeline.process(*job, control);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    // Built and parsed as on the wire, so a local run reports exactly what a server would.
    util::Json arguments = util::Json::array({protocol::processed_json(
        result, job->stream->stream_id, job->fragment_id, job->sequence_number, elapsed.count(), job->metadata)});
    auto event = parse_server_event("fragment:processed", arguments);
    boost::asio::post(io, [state, event = std::move(event)]() mutable {
      if (event) {
        state->deliver(std::move(**event));
      } else if (!state->closed) {
        state->handler->on_closed("the pipeline's result does not parse: " + event.error());
      }
    });
  });
}

void LocalTransport::end_stream() {
  if (state_->running > 0) {
    state_->ending = true;
    return;
  }
  post(state_->complete);
}

void LocalTransport::close() { state_->closed = true; }

}  // namespace sts::worker
