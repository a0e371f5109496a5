// The "dub" pipeline (--pipeline dub): voice activity detection, the ASR engine
// (ASR_ENGINE), the translator (TRANSLATION_ENGINE) and the synthesizer (TTS_ENGINE);
// the Spanish speech is fitted to where the original speech was. Fragments without
// speech skip translation and TTS and return silence (or the original, per FALLBACK_MODE).
#pragma once

#include <memory>

#include "asr/engine.h"
#include "pipeline/pipeline.h"
#include "translation/translator.h"
#include "tts/synthesizer.h"

namespace sts::pipeline {

struct Engines {
  std::unique_ptr<asr::Engine> asr;
  std::unique_ptr<translation::Translator> translator;
  std::unique_ptr<tts::Synthesizer> synthesizer;
};

class DubbingPipeline final : public Pipeline {
 public:
  // Throws std::invalid_argument when an engine is missing.
  DubbingPipeline(PipelineSettings settings, Engines engines);

  std::string_view name() const override { return "dub"; }
  const std::vector<LanguagePair>& language_pairs() const override { return pairs_; }
  util::Json engines() const override;
  std::map<std::string, util::Readiness, std::less<>> readiness() const override;
  std::map<std::string, util::PoolUsage, std::less<>> pool_usage() const override;
  FragmentResult process(const FragmentJob& job, JobControl& control) const override;

 private:
  PipelineSettings settings_;
  Engines engines_;
  std::vector<LanguagePair> pairs_;
};

}  // namespace sts::pipeline
