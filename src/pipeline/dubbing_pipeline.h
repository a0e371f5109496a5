// The echo pipeline (--pipeline echo): every stage runs and is timed as in the full
// pipeline, but ASR and MT produce empty text and the "dubbed" audio is the input.
// Workers use it to test their integration without models.
#pragma once

#include <functional>
#include <tl/expected.hpp>

#include "pipeline/pipeline.h"

namespace sts::pipeline {

// Called as each stage starts; an error fails the fragment in that stage. Only test
// builds install one, to inject delays, failures and hangs.
using StageHook = std::function<tl::expected<void, StageError>(Stage, const FragmentJob&, JobControl&)>;

class EchoPipeline final : public Pipeline {
 public:
  explicit EchoPipeline(PipelineSettings settings, StageHook hook = {});

  std::string_view name() const override { return "echo"; }
  const std::vector<LanguagePair>& language_pairs() const override { return pairs_; }
  FragmentResult process(const FragmentJob& job, JobControl& control) const override;

 private:
  PipelineSettings settings_;
  StageHook hook_;
  std::vector<LanguagePair> pairs_;
};

}  // namespace sts::pipeline
