#include "tts/engines.h"

#include <algorithm>

#include "errors/error.h"
#include "tts/espeak_synthesizer.h"
#include "tts/http_synthesizer.h"

namespace sts::tts {

std::vector<std::string> engine_names() { return {"espeak", "http"}; }

std::unique_ptr<Synthesizer> make_synthesizer(const EngineSettings& settings) {
  // The engines' messages do not name the setting; the app reports start-up errors
  // from every component alike, so the setting is named here.
  try {
    if (settings.engine == "espeak") return std::make_unique<EspeakSynthesizer>(EspeakSettings{});
    if (settings.engine == "http") {
      HttpSynthesizerSettings http;
      http.url = settings.url;
      http.max_connections = std::max(1, settings.concurrency);
      return std::make_unique<HttpSynthesizer>(std::move(http));
    }
    throw StartupError("unknown TTS engine \"" + settings.engine + "\"");
  } catch (const StartupError& error) {
    throw StartupError("TTS_ENGINE " + settings.engine + ": " + error.what());
  }
}

}  // namespace sts::tts
