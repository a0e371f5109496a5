#include "fault_pipeline.h"

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/stages.h"

namespace sts::testing {
namespace {

using pipeline::FragmentWork;
using pipeline::JobControl;
using pipeline::Stage;
using pipeline::StageError;

// Acts out the fault the fragment asks for at `stage`, if any: waits out its delay or
// hang, and returns its code as the stage's failure. `attempt` counts the stage's runs
// (the server retries transient failures): with "times": n only the first n fail.
std::optional<Error> inject(Stage stage, const pipeline::FragmentJob& job, JobControl& control, int attempt) {
  const auto fault = job.metadata.find("fault");
  if (fault == job.metadata.end() || !fault->is_object()) return std::nullopt;
  const std::string target = fault->value("stage", std::string("asr"));
  if (target != pipeline::stage_name(stage)) return std::nullopt;
  if (attempt > fault->value("times", std::numeric_limits<int>::max())) return std::nullopt;
  if (const auto delay = fault->find("delay_ms"); delay != fault->end() && delay->is_number_integer()) {
    control.pause(std::chrono::milliseconds(delay->get<std::int64_t>()));
  }
  if (fault->value("hang", false)) control.pause(std::chrono::minutes(10));
  if (const auto code = fault->find("code"); code != fault->end() && code->is_string()) {
    const std::string wanted = code->get<std::string>();
    if (const auto named = error_code_named(wanted)) return Error{*named, "injected by the test"};
    return Error{ErrorCode::internal_error, "the test asked for " + wanted + ", which is no code of errors/error.h"};
  }
  return std::nullopt;
}

// `body` as the stage `stage`, after its fault: inside the stage, so a delay counts in
// its timing; a fault with a code fails the stage and `body` never runs.
template <typename Body>
auto after_fault(Stage stage, FragmentWork& work, Body body) {
  return [stage, &work, body, attempt = 0]() mutable -> tl::expected<void, StageError> {
    if (auto fault = inject(stage, work.job, work.control, ++attempt)) {
      return tl::unexpected(StageError{stage, std::move(*fault)});
    }
    if (auto outcome = body(); !outcome) return tl::unexpected(pipeline::failure_in(stage, std::move(outcome.error())));
    return {};
  };
}

// The echo pipeline (pipeline/echo_pipeline.cc), stage for stage, with faults.
class FaultPipeline final : public pipeline::Pipeline {
 public:
  explicit FaultPipeline(pipeline::PipelineSettings settings) : settings_(std::move(settings)) {
    settings_.fallback = pipeline::FallbackMode::original;
  }

  std::string_view name() const override { return "faults"; }
  const std::vector<pipeline::LanguagePair>& language_pairs() const override { return pairs_; }
  util::Json engines() const override { return util::Json::object(); }
  pipeline::FragmentResult process(const pipeline::FragmentJob& job, JobControl& control) const override;

 private:
  pipeline::PipelineSettings settings_;
  std::vector<pipeline::LanguagePair> pairs_{pipeline::LanguagePair{"en", "es"}};
};

pipeline::FragmentResult FaultPipeline::process(const pipeline::FragmentJob& job, JobControl& control) const {
  FragmentWork work(job, control);
  work.result.asr_model = work.result.translation_model = work.result.tts_model = "echo";
  pipeline::StageRunner runner(work, settings_.stage_retry);
  const auto run = [&](Stage stage, auto body) { runner.run(stage, after_fault(stage, work, body)); };
  const bool untouched = pipeline::echoes_untouched(job);
  run(Stage::decode, [&] { return untouched ? pipeline::decode_untouched(work) : pipeline::decode(work); });
  run(Stage::asr, pipeline::echo_stage);
  run(Stage::translation, pipeline::echo_stage);
  run(Stage::tts, pipeline::echo_stage);
  run(Stage::duration_match,
      [&] { return untouched ? pipeline::fit_untouched(work, settings_) : pipeline::fit(work, settings_); });
  run(Stage::encode, [&] { return untouched ? pipeline::encode_untouched(work) : pipeline::encode(work); });
  return runner.finish();
}

}  // namespace

pipeline::PipelineRegistry pipelines_with_faults() {
  auto registry = pipeline::builtin_pipelines();
  registry.emplace(
      "faults", [](const pipeline::PipelineSettings& settings) { return std::make_unique<FaultPipeline>(settings); });
  return registry;
}

}  // namespace sts::testing
