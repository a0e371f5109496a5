#include "asr/engines.h"

#include <algorithm>

#include "asr/pocketsphinx_engine.h"
#ifdef STS_HAVE_WHISPER
#include "asr/whisper_engine.h"
#endif

namespace sts::asr {

std::string Transcript::text() const {
  std::string joined;
  for (const auto& segment : segments) {
    if (segment.text.empty()) continue;
    if (!joined.empty()) joined += ' ';
    joined += segment.text;
  }
  return joined;
}

std::vector<std::string> engine_names() {
#ifdef STS_HAVE_WHISPER
  return {"pocketsphinx", "whisper"};
#else
  return {"pocketsphinx"};
#endif
}

std::unique_ptr<Engine> make_engine(const EngineSettings& settings) {
  if (settings.engine == "pocketsphinx") {
    PocketsphinxSettings pocketsphinx;
    if (!settings.model_path.empty()) pocketsphinx.model_dir = settings.model_path;
    pocketsphinx.domains_dir = settings.domains_dir;
    pocketsphinx.decoders = settings.concurrency;
    return std::make_unique<PocketsphinxEngine>(pocketsphinx);
  }
#ifdef STS_HAVE_WHISPER
  if (settings.engine == "whisper") {
    if (settings.model_path.empty()) {
      throw sts::StartupError("the whisper engine needs ASR_MODEL_PATH: a ggml model file");
    }
    // use_gpu only has an effect in a build with STS_WHISPER_CUDA.
    return std::make_unique<WhisperEngine>(
        WhisperSettings{settings.model_path, settings.threads, true, std::max(1, settings.concurrency)});
  }
#endif
  throw sts::StartupError("unknown ASR engine \"" + settings.engine + "\"");
}

}  // namespace sts::asr
