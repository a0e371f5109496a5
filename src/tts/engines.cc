#include "tts/engines.h"

#include "tts/espeak_synthesizer.h"

namespace sts::tts {

std::vector<std::string> engine_names() { return {"espeak"}; }

std::unique_ptr<Synthesizer> make_synthesizer(const EngineSettings& settings) {
  if (settings.engine == "espeak") return std::make_unique<EspeakSynthesizer>(EspeakSettings{});
  throw EngineStartError("unknown TTS engine \"" + settings.engine + "\"");
}

}  // namespace sts::tts
