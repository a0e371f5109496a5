// The fragment pipeline: decode -> ASR -> MT -> TTS -> duration match -> encode, every
// stage timed. Engines plug in; a stage without one echoes:
// - "echo" (--pipeline echo) has no engines: transcript and translation are empty and
//   the "dubbed" audio is the input. Workers test their integration with it, no models.
// - "dub" runs voice activity detection, the ASR engine (ASR_ENGINE), the translator
//   (TRANSLATION_ENGINE) and the synthesizer (TTS_ENGINE); the Spanish speech is fitted
//   to where the original speech was. Fragments without speech skip ASR, MT and TTS
//   and return silence (or the original, per FALLBACK_MODE).
#pragma once

#include <functional>
#include <memory>
#include <tl/expected.hpp>

#include "asr/engine.h"
#include "translation/translator.h"
#include "tts/synthesizer.h"
#include "pipeline/pipeline.h"

namespace sts::pipeline {

// Called as each stage starts; an error fails the fragment in that stage. Only test
// builds install one, to inject delays, failures and hangs.
using StageHook = std::function<tl::expected<void, StageError>(Stage, const FragmentJob&, JobControl&)>;

struct Engines {
  std::unique_ptr<asr::Engine> asr;                   // null: echo
  std::unique_ptr<translation::Translator> translator;  // null: echo
  std::unique_ptr<tts::Synthesizer> synthesizer;         // null: echo
};

class DubbingPipeline final : public Pipeline {
 public:
  DubbingPipeline(std::string name, PipelineSettings settings, Engines engines, StageHook hook = {});

  std::string_view name() const override { return name_; }
  const std::vector<LanguagePair>& language_pairs() const override { return pairs_; }
  util::Json engines() const override;
  std::map<std::string, util::Readiness, std::less<>> readiness() const override;
  std::map<std::string, util::PoolUsage, std::less<>> pool_usage() const override;
  FragmentResult process(const FragmentJob& job, JobControl& control) const override;

 private:
  // Echo of pcm_s16le already in the stream's layout.
  bool echoes_untouched(const FragmentJob& job) const;

  std::string name_;
  PipelineSettings settings_;
  Engines engines_;
  StageHook hook_;
  std::vector<LanguagePair> pairs_;
};

}  // namespace sts::pipeline
