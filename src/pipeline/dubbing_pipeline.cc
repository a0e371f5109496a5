#include "pipeline/dubbing_pipeline.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/stages.h"

namespace sts::pipeline {
namespace {

Engines require_every_engine(Engines engines) {
  if (!engines.asr || !engines.translator || !engines.synthesizer) {
    throw std::invalid_argument("the dub pipeline needs an ASR engine, a translator and a synthesizer");
  }
  return engines;
}

bool contains(const std::vector<std::string>& languages, const std::string& language) {
  return std::find(languages.begin(), languages.end(), language) != languages.end();
}

// What the engines can do together: the translator's pairs whose source the ASR
// engine hears and whose target the synthesizer speaks.
std::vector<LanguagePair> pairs_for(const Engines& engines) {
  std::vector<LanguagePair> pairs;
  for (const auto& pair : engines.translator->pairs()) {
    if (contains(engines.asr->languages(), pair.first) && contains(engines.synthesizer->languages(), pair.second)) {
      pairs.push_back(pair);
    }
  }
  return pairs;
}

}  // namespace

DubbingPipeline::DubbingPipeline(PipelineSettings settings, Engines engines)
    : settings_(std::move(settings)), engines_(require_every_engine(std::move(engines))), pairs_(pairs_for(engines_)) {}

util::Json DubbingPipeline::engines() const {
  util::Json engines = util::Json::object();
  engines["asr"] = {
      {"engine", engines_.asr->name()}, {"model", engines_.asr->model()}, {"languages", engines_.asr->languages()}};
  engines["tts"] = {{"engine", engines_.synthesizer->name()}, {"model", engines_.synthesizer->model()}};
  // Every installed pair, not only those the ASR engine can feed: operators see what
  // a Spanish (or other) recognizer would unlock.
  util::Json pairs = util::Json::array();
  for (const auto& [source, target] : engines_.translator->pairs()) pairs.push_back(source + "-" + target);
  engines["translation"] = {
      {"engine", engines_.translator->name()}, {"model", engines_.translator->model()}, {"pairs", pairs}};
  return engines;
}

std::map<std::string, util::Readiness, std::less<>> DubbingPipeline::readiness() const {
  return {{"asr", engines_.asr->readiness()},
          {"translation", engines_.translator->readiness()},
          {"tts", engines_.synthesizer->readiness()}};
}

std::map<std::string, util::PoolUsage, std::less<>> DubbingPipeline::pool_usage() const {
  std::map<std::string, util::PoolUsage, std::less<>> usage;
  usage[std::string(engines_.asr->name())] = engines_.asr->pool_usage();
  usage[std::string(engines_.translator->name())] = engines_.translator->pool_usage();
  usage[std::string(engines_.synthesizer->name())] = engines_.synthesizer->pool_usage();
  return usage;
}

FragmentResult DubbingPipeline::process(const FragmentJob& job, JobControl& control) const {
  FragmentWork work(job, control);
  work.result.asr_model = engines_.asr->model();
  work.result.translation_model = engines_.translator->model();
  work.result.tts_model = engines_.synthesizer->model();
  StageRunner runner(work, settings_.stage_retry);
  runner.run(Stage::decode, [&] { return decode(work); });
  runner.run(Stage::asr, [&] { return recognize(work, *engines_.asr); });
  // docs/protocol.md "Silence / no speech": nothing said, nothing to translate or say;
  // fit() dubs the fragment with silence or the original instead.
  if (!work.result.transcript.empty()) {
    runner.run(Stage::translation,
               [&] { return translate(work, *engines_.translator, settings_.translation.timeout); });
    // A transcript the translator turns into nothing (a filler word, a stray mark) is
    // no speech either: nothing to say is not a synthesis failure.
    if (!work.result.translated_text.empty()) {
      runner.run(Stage::tts, [&] { return synthesize(work, *engines_.synthesizer, settings_.tts.timeout); });
    }
  }
  runner.run(Stage::duration_match, [&] { return fit(work, settings_); });
  runner.run(Stage::encode, [&] { return encode(work); });
  return runner.finish();
}

}  // namespace sts::pipeline
