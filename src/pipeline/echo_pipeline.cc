#include "pipeline/echo_pipeline.h"

#include "pipeline/stages.h"

namespace sts::pipeline {

// Echo says nothing of its own, so fit() always dubs it with the original, whatever
// FALLBACK_MODE says.
EchoPipeline::EchoPipeline(PipelineSettings settings) : settings_(std::move(settings)) {
  settings_.fallback = FallbackMode::original;
}

FragmentResult EchoPipeline::process(const FragmentJob& job, JobControl& control) const {
  FragmentWork work(job, control);
  work.result.asr_model = work.result.translation_model = work.result.tts_model = "echo";
  StageRunner runner(work);
  const bool untouched = echoes_untouched(job);
  runner.run(Stage::decode, [&] { return untouched ? decode_untouched(work) : decode(work); });
  runner.run(Stage::asr, echo_stage);
  runner.run(Stage::translation, echo_stage);
  runner.run(Stage::tts, echo_stage);
  runner.run(Stage::duration_match, [&] { return untouched ? fit_untouched(work, settings_) : fit(work, settings_); });
  runner.run(Stage::encode, [&] { return untouched ? encode_untouched(work) : encode(work); });
  return runner.finish();
}

}  // namespace sts::pipeline
