#include <memory>

#include "asr/registry.h"
#include "pipeline/dubbing_pipeline.h"
#include "pipeline/echo_pipeline.h"
#include "pipeline/pipeline.h"
#include "translation/registry.h"
#include "tts/registry.h"

namespace sts::pipeline {

PipelineRegistry builtin_pipelines() {
  PipelineRegistry registry;
  registry.emplace("echo", [](const PipelineSettings& settings) { return std::make_unique<EchoPipeline>(settings); });
  registry.emplace("dub", [](const PipelineSettings& settings) {
    return std::make_unique<DubbingPipeline>(
        settings, Engines{asr::make_engine(settings.asr), translation::make_translator(settings.translation),
                          tts::make_synthesizer(settings.tts)});
  });
  return registry;
}

}  // namespace sts::pipeline
