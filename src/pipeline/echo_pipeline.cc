#include "pipeline/echo_pipeline.h"

#include <chrono>

#include "pipeline/duration.h"

namespace sts::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// Runs stages in order, timing each, until one fails or a stop is requested.
class StageRunner {
 public:
  StageRunner(const FragmentJob& job, JobControl& control, const StageHook& hook, FragmentResult& result)
      : job_(job), control_(control), hook_(hook), result_(result) {}

  template <typename Body>
  bool run(Stage stage, Body&& body) {
    if (control_.stop.stop_requested()) return fail(stage_error(stage, "TIMEOUT", "fragment deadline passed"));
    control_.stage.store(stage, std::memory_order_relaxed);
    const auto started = Clock::now();
    tl::expected<void, StageError> outcome;
    if (hook_) outcome = hook_(stage, job_, control_);
    if (outcome) outcome = body();
    result_.stage_timings.push_back({stage, std::chrono::duration<double, std::milli>(Clock::now() - started).count()});
    return outcome ? true : fail(std::move(outcome.error()));
  }

 private:
  bool fail(StageError error) {
    result_.status = FragmentStatus::failed;
    result_.dubbed_audio.reset();
    result_.error = std::move(error);
    return false;
  }

  const FragmentJob& job_;
  JobControl& control_;
  const StageHook& hook_;
  FragmentResult& result_;
};

std::int64_t payload_duration_ms(const FragmentJob& job, const audio::PayloadInfo& info) {
  if (!info.frames || info.sample_rate_hz <= 0) return job.duration_ms;
  return *info.frames * 1000 / info.sample_rate_hz;
}

}  // namespace

EchoPipeline::EchoPipeline(PipelineSettings settings, StageHook hook)
    : settings_(settings), hook_(std::move(hook)), pairs_{{"en", "es"}} {}

FragmentResult EchoPipeline::process(const FragmentJob& job, JobControl& control) const {
  FragmentResult result;
  result.asr_model = result.translation_model = result.tts_model = "echo";
  StageRunner runner(job, control, hook_, result);
  const StreamSpec& stream = *job.stream;

  const bool done =
      runner.run(Stage::decode,
                 [&]() -> tl::expected<void, StageError> {
                   auto info = audio::inspect_payload(job.format, job.audio, job.sample_rate_hz, job.channels);
                   if (!info) return tl::unexpected(stage_error(Stage::decode, "INVALID_AUDIO", info.error()));
                   result.original_duration_ms = payload_duration_ms(job, *info);
                   return {};
                 }) &&
      runner.run(Stage::asr, [] { return tl::expected<void, StageError>(); }) &&
      runner.run(Stage::translation, [] { return tl::expected<void, StageError>(); }) &&
      runner.run(Stage::tts,
                 [&]() -> tl::expected<void, StageError> {
                   result.dubbed_audio = EncodedAudio{stream.format, stream.sample_rate_hz, stream.channels,
                                                      result.original_duration_ms, job.audio};
                   result.dubbed_duration_ms = result.original_duration_ms;
                   return {};
                 }) &&
      runner.run(Stage::duration_match,
                 [&]() -> tl::expected<void, StageError> {
                   auto verdict = judge_duration(result.original_duration_ms, result.dubbed_duration_ms, settings_);
                   result.duration_variance_percent = verdict.variance_percent;
                   result.status = verdict.status;
                   result.warnings = std::move(verdict.warnings);
                   if (verdict.error) return tl::unexpected(std::move(*verdict.error));
                   return {};
                 }) &&
      runner.run(Stage::encode, [] { return tl::expected<void, StageError>(); });
  if (done) control.stage.store(Stage::done, std::memory_order_relaxed);
  return result;
}

PipelineRegistry builtin_pipelines() {
  PipelineRegistry registry;
  registry.emplace("echo", [](const PipelineSettings& settings) { return std::make_unique<EchoPipeline>(settings); });
  return registry;
}

}  // namespace sts::pipeline
