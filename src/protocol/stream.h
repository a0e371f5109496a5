// One STS stream (docs/protocol.md §2–3): the state machine (active ⇄ paused → ending →
// complete → closed), fragment acceptance with every rejection code, the reorder
// buffer that delivers strictly in sequence order, per-fragment deadlines, idempotent
// retry, backpressure and statistics. It outlives its connection: detached, it keeps
// working and holds its results for the next one (stream_resume.cc).
// Everything here runs on the stream's strand, the first connection's; jobs run on the
// compute pool and post their results back.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "pipeline/compute_pool.h"
#include "pipeline/pipeline.h"
#include "protocol/acceptance.h"
#include "protocol/backpressure.h"
#include "protocol/inflight_tracker.h"
#include "protocol/messages.h"
#include "protocol/monitor.h"
#include "protocol/outbox.h"
#include "protocol/processed_frame.h"
#include "protocol/reorder_buffer.h"
#include "protocol/retry_memory.h"
#include "protocol/settings.h"
#include "protocol/statistics.h"
#include "socketio/socket.h"

namespace sts::protocol {

// What every stream shares; owned by the service and outliving every stream.
struct StreamServices {
  const ProtocolSettings& settings;
  const pipeline::Pipeline& pipeline;
  pipeline::ComputePool& pool;
  InflightTracker& tracker;
  ServiceMonitor& monitor;
};

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  enum class State { active, paused, ending, complete, closed };

  Stream(StreamServices services, const std::shared_ptr<socketio::Socket>& socket, StreamInit init,
         std::string voice_profile, util::Json voice, util::Json log_fields);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const StreamInit& init() const { return init_; }
  const socketio::Strand& strand() const { return strand_; }
  // Any thread: the service decides on another connection's strand whether a stream
  // may be re-attached.
  State state() const { return state_.load(std::memory_order_acquire); }
  bool open() const {
    const State now = state();
    return now == State::active || now == State::paused || now == State::ending;
  }
  bool detached() const { return !outbox_.attached(); }

  // The connection is gone without stream:end: work goes on, results are held, and
  // after `grace` the stream is cancelled and `on_expired` runs (on the strand).
  void detach(std::string_view reason, std::chrono::milliseconds grace, std::function<void()> on_expired);
  // What stream:ready says of a re-attached stream: one past the highest sequence number
  // accepted, and those accepted and not yet delivered (held ones included).
  struct Resumed {
    std::int64_t next_sequence_number = 0;
    std::vector<std::int64_t> pending;
  };
  Resumed resumed() const;
  // Events go to `socket` from now on, starting with the held results and those sent in
  // the last 10 s before the loss; the previous connection gets no more. `how` is for
  // the log: what re-attached it.
  void attach(const std::shared_ptr<socketio::Socket>& socket, std::string_view how);

  void on_fragment(FragmentData fragment);
  void pause(const std::string& reason);
  void resume();
  void end(const std::string& reason);
  // The connection is gone: stop every job quietly and free everything.
  void cancel(std::string_view reason);
  // The worker's fragment:ack: only logged, with the fragment's sequence number when
  // it is one this stream delivered.
  void on_client_ack(const std::string& fragment_id, std::string_view status);
  // Shutdown deadline: deliver whatever is still pending as a TIMEOUT failure.
  void expire_pending();

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    std::string fragment_id;
    std::int64_t sequence_number = 0;
    Clock::time_point accepted_at;
    std::shared_ptr<const pipeline::FragmentJob> job;
    std::string audio_base64;  // raw PCM, decoded by the job: the ack comes before any decoding
    std::shared_ptr<pipeline::JobControl> control;
    std::unique_ptr<boost::asio::steady_timer> deadline;
    std::optional<pipeline::FragmentResult> result;
    std::int64_t processing_ms = 0;
    ProcessedFrame processed;  // built with the result; null for failures made here
    bool running = false;
  };

  bool answer_retry(const FragmentData& fragment);
  StreamFacts facts_for(const FragmentData& fragment, bool retry) const;
  void accept(FragmentData fragment, std::vector<std::uint8_t> audio);
  void start_waiting();
  void start(Slot& slot);
  void on_result(const pipeline::FragmentJob& job, const std::shared_ptr<pipeline::JobControl>& control,
                 pipeline::FragmentResult result, std::int64_t processing_ms, ProcessedFrame processed);
  void on_deadline(std::int64_t sequence_number, const std::shared_ptr<pipeline::JobControl>& control);
  void fail_slot(Slot& slot, std::string message);
  void deliver_ready();
  void deliver(Slot& slot);
  void update_backpressure();
  void send_backpressure(int in_flight);
  void complete();
  void send_ack(const std::string& fragment_id, int queue_position);
  void reject(const FragmentData& fragment, Rejection rejection);
  void emit(std::string_view event, const util::Json& payload);
  void emit_urgent(std::string_view event, const util::Json& payload);
  util::Json fragment_fields(const std::string& fragment_id, std::int64_t sequence_number) const;
  std::int64_t typical_processing_ms() const;

  StreamServices services_;
  const std::string nsp_;
  Outbox outbox_;
  socketio::Strand strand_;
  const StreamInit init_;
  std::shared_ptr<const pipeline::StreamSpec> spec_;
  const util::Json log_fields_;
  std::atomic<State> state_{State::active};  // written on the strand only

  ReorderBuffer<Slot> slots_;         // accepted, not yet delivered
  std::deque<std::int64_t> waiting_;  // accepted, not yet started
  int running_ = 0;
  std::unordered_map<std::string, std::int64_t> pending_ids_;
  RetryMemory delivered_;
  Severity level_ = Severity::low;
  StreamStatistics statistics_;
  std::shared_ptr<StreamView> view_;
  boost::asio::steady_timer close_timer_;
  boost::asio::steady_timer grace_timer_;
  Clock::time_point detached_at_;
  std::int64_t highest_accepted_ = -1;
};

}  // namespace sts::protocol
