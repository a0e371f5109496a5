// What operators see of the STS service: the fragment metrics of docs/protocol.md §6 and
// the live view behind the dashboard (streams, recent stage latencies, errors by
// code). Streams report from their strands; readers (a /metrics scrape, a /status
// poll) come from any network thread.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "observability/metrics.h"
#include "pipeline/fragment.h"
#include "protocol/backpressure.h"
#include "util/json.h"
#include "util/mutex.h"

namespace sts::protocol {

// One stream's line on the dashboard.
class StreamView {
 public:
  StreamView(util::Json identity) : identity_(std::move(identity)), opened_(std::chrono::steady_clock::now()) {}

  void set_state(std::string_view state);
  void set_in_flight(std::int64_t in_flight);
  void set_backpressure(Severity severity);
  void delivered(std::int64_t processing_ms);
  bool open() const;
  util::Json json() const;

 private:
  const util::Json identity_;  // stream_id, worker_id, languages, voice, format
  const std::chrono::steady_clock::time_point opened_;
  mutable util::Mutex mutex_;
  std::string state_ STS_GUARDED_BY(mutex_) = "active";
  std::int64_t in_flight_ STS_GUARDED_BY(mutex_) = 0;
  std::int64_t delivered_ STS_GUARDED_BY(mutex_) = 0;
  std::int64_t last_processing_ms_ STS_GUARDED_BY(mutex_) = 0;
  Severity backpressure_ STS_GUARDED_BY(mutex_) = Severity::low;
};

class ServiceMonitor {
 public:
  explicit ServiceMonitor(observability::Registry& registry);

  // The view lives as long as the stream; the stream hands it back when it goes.
  std::shared_ptr<StreamView> stream_opened(util::Json identity);
  void stream_closed(const std::shared_ptr<StreamView>& view);

  void fragment_delivered(const pipeline::FragmentResult& result, std::int64_t processing_ms);
  void request_rejected(std::string_view code);
  void backpressure_changed(Severity severity);
  // A stream outlives its connection (docs/protocol.md §2): it detaches, and then it is
  // re-attached (`redelivered`: results sent again) or its grace expires.
  void stream_detached() { detached_.add(1); }
  void stream_detach_ended() { detached_.add(-1); }  // re-attached or cancelled
  void stream_reattached(std::size_t redelivered) {
    resumes_.inc();
    redelivered_.inc(static_cast<double>(redelivered));
  }
  void stream_resume_expired() { resume_expired_.inc(); }

  // The dashboard's figures: streams, fragments/s over the last 10 s, per-stage
  // P50/P95 over recent fragments, errors by code and backpressure events since start.
  util::Json status() const;
  std::int64_t active_streams() const;

 private:
  struct Recent {
    double total_ms = 0;
    double stage_ms[6] = {};  // decode, asr, translation, tts, duration_match, encode
    bool has_stage[6] = {};
  };
  util::Json stage_percentiles() const STS_REQUIRES(mutex_);
  util::Json errors_by_code() const;
  std::int64_t active_streams_locked() const STS_REQUIRES(mutex_);

  observability::Family<observability::Histogram>& processing_;
  observability::Family<observability::Histogram>& stage_durations_;
  observability::Histogram& asr_;
  observability::Histogram& translation_;
  observability::Histogram& tts_;
  observability::Family<observability::Counter>& fragments_;
  observability::Family<observability::Counter>& errors_;
  observability::Family<observability::Counter>& retries_;
  observability::Family<observability::Counter>& rejections_;
  observability::Family<observability::Counter>& backpressure_;
  observability::Gauge& active_streams_;
  observability::Gauge& detached_;
  observability::Counter& resumes_;
  observability::Counter& resume_expired_;
  observability::Counter& redelivered_;
  // The children every delivery records into, by FragmentStatus and by timed stage.
  std::array<observability::Counter*, 3> fragments_by_status_{};
  std::array<observability::Histogram*, 3> processing_by_status_{};
  std::array<observability::Histogram*, 6> stage_by_index_{};

  mutable util::Mutex mutex_;
  std::set<std::shared_ptr<StreamView>> streams_ STS_GUARDED_BY(mutex_);
  std::deque<Recent> recent_ STS_GUARDED_BY(mutex_);  // the last fragments, for percentiles
  // The last 10 s, for the rate.
  mutable std::deque<std::chrono::steady_clock::time_point> delivered_at_ STS_GUARDED_BY(mutex_);
};

}  // namespace sts::protocol
