#include "tts/registry.h"

#include <algorithm>

#include "errors/error.h"
#include "tts/espeak_synthesizer.h"
#include "tts/http_synthesizer.h"
#include "util/map_keys.h"

namespace sts::tts {

namespace {

std::unique_ptr<Synthesizer> make_espeak(const EngineSettings&) {
  return std::make_unique<EspeakSynthesizer>(EspeakSettings{});
}

std::unique_ptr<Synthesizer> make_http(const EngineSettings& settings) {
  HttpSynthesizerSettings http;
  http.url = settings.url;
  http.max_connections = std::max(1, settings.concurrency);
  return std::make_unique<HttpSynthesizer>(std::move(http));
}

}  // namespace

const std::map<std::string, EngineFactory, std::less<>>& registry() {
  static const std::map<std::string, EngineFactory, std::less<>> engines{{"espeak", make_espeak}, {"http", make_http}};
  return engines;
}

std::vector<std::string> engine_names() { return util::keys(registry()); }

std::unique_ptr<Synthesizer> make_synthesizer(const EngineSettings& settings) {
  // The engines' messages do not name the setting; the app reports start-up errors
  // from every component alike, so the setting is named here.
  try {
    const auto found = registry().find(settings.engine);
    if (found == registry().end()) throw StartupError("unknown TTS engine \"" + settings.engine + "\"");
    return found->second(settings);
  } catch (const StartupError& error) {
    throw StartupError("TTS_ENGINE " + settings.engine + ": " + error.what());
  }
}

}  // namespace sts::tts
