// The "echo" pipeline (--pipeline echo): no engines and no models. Transcript and
// translation are empty and the "dubbed" audio is the input, after the same stages as a
// dub, each timed. Workers test their integration with it.
#pragma once

#include <vector>

#include "pipeline/pipeline.h"

namespace sts::pipeline {

class EchoPipeline final : public Pipeline {
 public:
  explicit EchoPipeline(PipelineSettings settings);

  std::string_view name() const override { return "echo"; }
  const std::vector<LanguagePair>& language_pairs() const override { return pairs_; }
  util::Json engines() const override { return util::Json::object(); }
  FragmentResult process(const FragmentJob& job, JobControl& control) const override;

 private:
  PipelineSettings settings_;
  std::vector<LanguagePair> pairs_{LanguagePair{"en", "es"}};
};

}  // namespace sts::pipeline
