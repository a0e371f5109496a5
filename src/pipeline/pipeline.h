// The fragment pipeline: decode -> ASR -> MT -> TTS -> duration match -> encode.
// One instance per process, loaded at start-up and shared by every stream; process()
// runs on compute threads, concurrently, and must not touch the network.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asr/registry.h"
#include "pipeline/fragment.h"
#include "translation/registry.h"
#include "tts/registry.h"

namespace sts::pipeline {

enum class FallbackMode { silence, original };

// How the server retries a stage that failed transiently (sts::Error::transient): a
// worker that never retries still gets its dub when a service blips.
struct RetryPolicy {
  int retries = 0;  // per stage and fragment
  std::chrono::milliseconds backoff{0};
};

struct PipelineSettings {
  // docs/protocol.md "Duration matching": variance up to success_max is success, up to
  // partial_max is partial, beyond is DURATION_MISMATCH_EXCEEDED.
  double duration_success_max_percent = 10;
  double duration_partial_max_percent = 20;
  FallbackMode fallback = FallbackMode::silence;
  // How far synthesized speech may be slowed down or sped up to fit the original:
  // beyond 0.85x it drags, beyond 1.35x listeners lose words.
  double speed_min = 0.85;
  double speed_max = 1.35;
  asr::EngineSettings asr;  // for pipelines that recognize speech
  translation::EngineSettings translation;
  tts::EngineSettings tts;
  RetryPolicy stage_retry;
};

using LanguagePair = std::pair<std::string, std::string>;

class Pipeline {
 public:
  virtual ~Pipeline() = default;
  virtual std::string_view name() const = 0;
  virtual const std::vector<LanguagePair>& language_pairs() const = 0;
  // The engines behind each stage, for stream:ready capabilities: {"asr": {engine,
  // model, languages}, ...}; stages that echo are absent.
  virtual util::Json engines() const = 0;
  // Each stage's engine readiness, by the stage names engines() uses.
  virtual std::map<std::string, util::Readiness, std::less<>> readiness() const { return {}; }
  // Each engine's pool of decoders, processes or connections, by engine name.
  virtual std::map<std::string, util::PoolUsage, std::less<>> pool_usage() const { return {}; }
  // Never throws: every failure is a failed result naming its stage.
  virtual FragmentResult process(const FragmentJob& job, JobControl& control) const = 0;

  bool supports(std::string_view source, std::string_view target) const;
};

using PipelineFactory = std::function<std::unique_ptr<Pipeline>(const PipelineSettings&)>;
// Pipelines by the name --pipeline / STS_PIPELINE selects.
using PipelineRegistry = std::map<std::string, PipelineFactory, std::less<>>;
PipelineRegistry builtin_pipelines();

}  // namespace sts::pipeline
