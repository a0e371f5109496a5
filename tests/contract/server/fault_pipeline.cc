#include "fault_pipeline.h"

#include <condition_variable>
#include <mutex>

#include "pipeline/dubbing_pipeline.h"

namespace sts::testing {
namespace {

using pipeline::JobControl;
using pipeline::Stage;
using pipeline::StageError;

// Waits `duration`, or less when the job is stopped.
void interruptible_wait(JobControl& control, std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, control.stop.get_token(), duration, [] { return false; });
}

tl::expected<void, StageError> inject(Stage stage, const pipeline::FragmentJob& job, JobControl& control) {
  const auto fault = job.metadata.find("fault");
  if (fault == job.metadata.end() || !fault->is_object()) return {};
  const std::string target = fault->value("stage", std::string("asr"));
  if (target != pipeline::stage_name(stage)) return {};
  if (const auto delay = fault->find("delay_ms"); delay != fault->end() && delay->is_number_integer()) {
    interruptible_wait(control, std::chrono::milliseconds(delay->get<std::int64_t>()));
  }
  if (fault->value("hang", false)) interruptible_wait(control, std::chrono::minutes(10));
  if (const auto code = fault->find("code"); code != fault->end() && code->is_string()) {
    const auto named = error_code_named(code->get<std::string>());
    return tl::unexpected(StageError{stage, {named.value_or(ErrorCode::internal_error), "injected by the test"}});
  }
  return {};
}

}  // namespace

pipeline::PipelineRegistry pipelines_with_faults() {
  auto registry = pipeline::builtin_pipelines();
  registry.emplace("faults", [](const pipeline::PipelineSettings& settings) {
    return std::make_unique<pipeline::DubbingPipeline>("faults", settings, pipeline::Engines{}, inject);
  });
  return registry;
}

}  // namespace sts::testing
