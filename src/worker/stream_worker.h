// One stream as a worker runs it (docs/protocol.md from the client's side): stream:init,
// then fragments within the window stream:ready grants, paced in real time or flat
// out, spaced or held back as backpressure says, retryable failures re-sent with the
// protocol's backoff; then stream:end and stream:complete. Every wait is bounded, so
// a run always ends, delivered or with a reason in words, whatever the other side does.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "worker/events.h"
#include "worker/stats.h"
#include "worker/transport.h"

namespace sts::worker {

struct WorkerOptions {
  StreamConfig stream;
  bool realtime = false;  // no fragment leaves before its place on the timeline
  // How long a sent fragment may go unanswered: a server answers within the stream's
  // timeout_ms (a TIMEOUT failure at worst), so that plus a margin. nullopt: no bound
  // (the in-process pipeline, which has no deadline to miss).
  std::optional<std::chrono::milliseconds> answer_timeout;
  std::chrono::milliseconds ready_timeout{15000};     // open -> stream:ready
  std::chrono::milliseconds complete_timeout{10000};  // stream:end -> stream:complete
  std::chrono::milliseconds retry_base{1000};         // docs/protocol.md §4: 1, 2, 4, 8, 16 s
  int max_retries = 5;
};

// The wait before retry number `retry` (1 for the first): base x 2^(retry-1).
std::chrono::milliseconds retry_delay(int retry, std::chrono::milliseconds base);

// A fragment's final outcome: delivered, or failed for good.
struct FragmentOutcome {
  std::size_t index = 0;  // in the order the source gave fragments
  OutgoingFragment fragment;
  pipeline::FragmentStatus status = pipeline::FragmentStatus::failed;
  std::optional<pipeline::EncodedAudio> dubbed_audio;
  std::string error_code;  // when failed: the last error's
  std::string error_message;
  int retries = 0;
  std::vector<std::pair<std::string, double>> stage_timings;  // the last attempt's
  double latency_ms = 0;                                      // the last attempt: sent -> answer
};

struct WorkerResult {
  bool ok = false;
  std::string failure;        // when not ok: why, in words
  std::string note;           // when ok, something still worth saying
  bool streamed = false;      // the stream got as far as stream:ready
  std::size_t delivered = 0;  // fragments with a final outcome
};

// Fragment `index` of the stream, or nullopt when there are no more.
using FragmentSource = std::function<std::optional<OutgoingFragment>(std::size_t index)>;

class StreamWorker final : private TransportHandler {
 public:
  using OnOutcome = std::function<void(FragmentOutcome& outcome)>;
  using OnFinished = std::function<void(const WorkerResult& result)>;

  // Everything runs on `io`'s one thread; `stats` may be shared by several workers.
  StreamWorker(boost::asio::io_context& io, Transport& transport, WorkerOptions options, FragmentSource source,
               RunStats& stats, OnOutcome on_outcome, OnFinished on_finished);

  void start();

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { connecting, streaming, ending, done };
  struct Attempt {
    std::size_t index = 0;
    OutgoingFragment fragment;
    int retries = 0;
    Clock::time_point sent_at;
    bool acked = false;
  };

  void on_event(ServerEvent event) override;
  void on_closed(const std::string& reason) override;
  void handle(const StreamReady& ready);
  void handle(const FragmentAck& ack);
  void handle(FragmentProcessed& processed);
  void handle(const Backpressure& backpressure);
  void handle(const ServerError& error);
  void handle(const StreamComplete& complete);

  void pump();
  bool send_next(Clock::time_point now, Clock::time_point& wake);
  void send(Attempt attempt);
  void retry_or_fail(Attempt attempt, const std::string& code, const std::string& message, bool retryable);
  void conclude(Attempt& attempt, FragmentOutcome outcome);
  void schedule(Clock::time_point wake);
  void on_timer();
  void finish(bool ok, std::string text);

  Transport& transport_;
  const WorkerOptions options_;
  FragmentSource source_;
  RunStats& stats_;
  OnOutcome on_outcome_;
  OnFinished on_finished_;
  boost::asio::steady_timer timer_;

  Phase phase_ = Phase::connecting;
  bool ready_ = false;
  Clock::time_point phase_deadline_;
  Clock::time_point started_;
  std::size_t window_ = 1;
  bool paused_ = false;
  std::chrono::milliseconds send_gap_{0};
  Clock::time_point last_send_;
  std::int64_t next_sequence_ = 0;
  std::size_t next_index_ = 0;
  std::optional<Attempt> upcoming_;  // taken from the source, waiting for its time
  bool exhausted_ = false;
  std::map<std::string, Attempt> in_flight_;           // by fragment_id
  std::multimap<Clock::time_point, Attempt> retries_;  // by when they are due
  std::size_t delivered_ = 0;
  std::optional<std::size_t> latest_answered_;  // the highest index answered at its first attempt
};

}  // namespace sts::worker
