#include "protocol/monitor.h"

#include <algorithm>
#include <map>
#include <vector>

#include "util/percentile.h"

namespace sts::protocol {
namespace {

using pipeline::FragmentStatus;
using pipeline::Stage;
using Clock = std::chrono::steady_clock;

constexpr Stage kTimedStages[] = {Stage::decode,         Stage::asr,   Stage::translation, Stage::tts,
                                  Stage::duration_match, Stage::encode};
constexpr std::size_t kRecentFragments = 500;
constexpr auto kRateWindow = std::chrono::seconds(10);

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
  }
  return "low";
}

std::optional<std::size_t> timed_index(Stage stage) {
  const auto* found = std::find(std::begin(kTimedStages), std::end(kTimedStages), stage);
  if (found == std::end(kTimedStages)) return std::nullopt;
  return static_cast<std::size_t>(found - std::begin(kTimedStages));
}

util::Json percentiles(const std::vector<double>& values) {
  return {{"p50_ms", util::nearest_rank(values, 0.5)},
          {"p95_ms", util::nearest_rank(values, 0.95)},
          {"count", values.size()}};
}

}  // namespace

void StreamView::set_state(std::string_view state) {
  const util::MutexLock lock(mutex_);
  state_ = state;
}

void StreamView::set_in_flight(std::int64_t in_flight) {
  const util::MutexLock lock(mutex_);
  in_flight_ = in_flight;
}

void StreamView::set_backpressure(Severity severity) {
  const util::MutexLock lock(mutex_);
  backpressure_ = severity;
}

void StreamView::delivered(std::int64_t processing_ms) {
  const util::MutexLock lock(mutex_);
  ++delivered_;
  last_processing_ms_ = processing_ms;
}

bool StreamView::open() const {
  const util::MutexLock lock(mutex_);
  return state_ == "active" || state_ == "paused" || state_ == "ending";
}

util::Json StreamView::json() const {
  util::Json json = identity_;
  const double age_s = std::chrono::duration<double>(Clock::now() - opened_).count();
  const util::MutexLock lock(mutex_);
  json.update({{"state", state_},
               {"delivered", delivered_},
               {"in_flight", in_flight_},
               {"backpressure", severity_name(backpressure_)},
               {"last_processing_ms", last_processing_ms_},
               {"age_s", age_s}});
  return json;
}

ServiceMonitor::ServiceMonitor(observability::Registry& registry)
    : processing_(registry.histogram("sts_fragment_processing_seconds",
                                     "Time from a fragment's acceptance to its result, by status.", {"status"})),
      stage_durations_(
          registry.histogram("sts_stage_duration_seconds", "Time each pipeline stage took per fragment.", {"stage"})),
      asr_(registry.histogram("sts_asr_duration_seconds", "Speech recognition time per fragment.").with({})),
      translation_(registry.histogram("sts_translation_duration_seconds", "Translation time per fragment.").with({})),
      tts_(registry.histogram("sts_tts_duration_seconds", "Speech synthesis time per fragment.").with({})),
      fragments_(registry.counter("sts_fragments_total", "Fragments delivered, by status.", {"status"})),
      errors_(registry.counter("sts_fragment_errors_total", "Failed fragments, by the stage and code that failed them.",
                               {"stage", "error_code"})),
      retries_(registry.counter("sts_stage_retries_total",
                                "Stages the server ran again after a transient failure, by stage and the code "
                                "of the failure.",
                                {"stage", "error_code"})),
      rejections_(registry.counter("sts_rejections_total",
                                   "Requests refused with an error event (invalid config, bad fragments, "
                                   "backpressure...), by code.",
                                   {"code"})),
      backpressure_(
          registry.counter("sts_backpressure_events_total", "Backpressure events sent, by severity.", {"severity"})),
      active_streams_(registry.gauge("sts_active_streams", "Streams open (active, paused or ending).").with({})),
      detached_(registry.gauge("sts_stream_detached", "Streams whose connection is gone, within their resume grace.")
                    .with({})),
      resumes_(
          registry.counter("sts_stream_resumes_total", "Detached streams re-attached to a new connection.").with({})),
      resume_expired_(
          registry.counter("sts_stream_resume_expired_total", "Detached streams cancelled when their grace ran out.")
              .with({})),
      redelivered_(registry
                       .counter("sts_fragments_redelivered_total",
                                "Results sent again on a re-attach: sent in the 10 s before the loss.")
                       .with({})) {
  // Every status and severity exists from the start, so rates need no absent-series care.
  for (const auto status : {FragmentStatus::success, FragmentStatus::partial, FragmentStatus::failed}) {
    const auto index = static_cast<std::size_t>(status);
    fragments_by_status_[index] = &fragments_.with({pipeline::status_name(status)});
    processing_by_status_[index] = &processing_.with({pipeline::status_name(status)});
  }
  for (const auto severity : {Severity::low, Severity::medium, Severity::high})
    backpressure_.with({severity_name(severity)});
  for (std::size_t index = 0; index < std::size(kTimedStages); ++index) {
    stage_by_index_[index] = &stage_durations_.with({pipeline::stage_name(kTimedStages[index])});
  }
  registry.add_collector([this] { active_streams_.set(static_cast<double>(active_streams())); });
}

std::shared_ptr<StreamView> ServiceMonitor::stream_opened(util::Json identity) {
  auto view = std::make_shared<StreamView>(std::move(identity));
  const util::MutexLock lock(mutex_);
  streams_.insert(view);
  return view;
}

void ServiceMonitor::stream_closed(const std::shared_ptr<StreamView>& view) {
  const util::MutexLock lock(mutex_);
  streams_.erase(view);
}

void ServiceMonitor::fragment_delivered(const pipeline::FragmentResult& result, std::int64_t processing_ms) {
  const auto status = static_cast<std::size_t>(result.status);
  fragments_by_status_[status]->inc();
  processing_by_status_[status]->observe(static_cast<double>(processing_ms) / 1000);
  if (result.error) {
    errors_
        .with(
            {std::string(pipeline::stage_name(result.error->stage)), std::string(wire_name(result.error->error.code))})
        .inc();
  }
  for (const auto& retry : result.retries) {
    retries_.with({std::string(pipeline::stage_name(retry.stage)), std::string(wire_name(retry.error.code))}).inc();
  }

  const auto now = Clock::now();
  Recent recent{static_cast<double>(processing_ms), {}, {}};
  for (const auto& timing : result.stage_timings) {
    const auto index = timed_index(timing.stage);
    if (!index) continue;
    const double seconds = timing.ms / 1000;
    stage_by_index_[*index]->observe(seconds);
    if (timing.stage == Stage::asr) asr_.observe(seconds);
    if (timing.stage == Stage::translation) translation_.observe(seconds);
    if (timing.stage == Stage::tts) tts_.observe(seconds);
    recent.stage_ms[*index] = timing.ms;
    recent.has_stage[*index] = true;
  }
  const util::MutexLock lock(mutex_);
  recent_.push_back(recent);
  if (recent_.size() > kRecentFragments) recent_.pop_front();
  delivered_at_.push_back(now);
  while (delivered_at_.front() < now - kRateWindow) delivered_at_.pop_front();
}

std::int64_t ServiceMonitor::active_streams() const {
  const util::MutexLock lock(mutex_);
  return active_streams_locked();
}

std::int64_t ServiceMonitor::active_streams_locked() const {
  return std::count_if(streams_.begin(), streams_.end(), [](const auto& view) { return view->open(); });
}

void ServiceMonitor::request_rejected(std::string_view code) { rejections_.with({code}).inc(); }

void ServiceMonitor::backpressure_changed(Severity severity) { backpressure_.with({severity_name(severity)}).inc(); }

util::Json ServiceMonitor::stage_percentiles() const {
  util::Json stages = util::Json::object();
  if (recent_.empty()) return stages;
  for (std::size_t index = 0; index < std::size(kTimedStages); ++index) {
    std::vector<double> values;
    for (const auto& recent : recent_) {
      if (recent.has_stage[index]) values.push_back(recent.stage_ms[index]);
    }
    if (!values.empty()) stages[std::string(pipeline::stage_name(kTimedStages[index]))] = percentiles(values);
  }
  std::vector<double> totals;
  for (const auto& recent : recent_) totals.push_back(recent.total_ms);
  stages["total"] = percentiles(totals);
  return stages;
}

util::Json ServiceMonitor::errors_by_code() const {
  std::map<std::string, double> counts;
  errors_.for_each([&](const std::vector<std::string>& labels, const observability::Counter& counter) {
    counts[labels[1]] += counter.value();
  });
  rejections_.for_each([&](const std::vector<std::string>& labels, const observability::Counter& counter) {
    counts[labels[0]] += counter.value();
  });
  util::Json errors = util::Json::object();
  for (const auto& [code, count] : counts) errors[code] = static_cast<std::int64_t>(count);
  return errors;
}

util::Json ServiceMonitor::status() const {
  util::Json fragments = util::Json::object();
  fragments_.for_each([&](const std::vector<std::string>& labels, const observability::Counter& counter) {
    fragments[labels[0]] = static_cast<std::int64_t>(counter.value());
  });
  util::Json backpressure = util::Json::object();
  backpressure_.for_each([&](const std::vector<std::string>& labels, const observability::Counter& counter) {
    backpressure[labels[0]] = static_cast<std::int64_t>(counter.value());
  });
  util::Json status = {
      {"fragments", std::move(fragments)}, {"errors", errors_by_code()}, {"backpressure", std::move(backpressure)}};

  const util::MutexLock lock(mutex_);
  const auto since = Clock::now() - kRateWindow;
  while (!delivered_at_.empty() && delivered_at_.front() < since) delivered_at_.pop_front();
  status["fragments_per_second"] =
      static_cast<double>(delivered_at_.size()) / std::chrono::duration<double>(kRateWindow).count();
  status["stages"] = stage_percentiles();
  util::Json streams = util::Json::array();
  for (const auto& view : streams_) streams.push_back(view->json());
  std::sort(streams.begin(), streams.end(),
            [](const util::Json& a, const util::Json& b) { return a.value("age_s", 0.0) > b.value("age_s", 0.0); });
  status["streams"] = std::move(streams);
  status["active_streams"] = active_streams_locked();
  return status;
}

}  // namespace sts::protocol
