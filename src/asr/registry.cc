#include "asr/registry.h"

#include <algorithm>

#include "asr/pocketsphinx_engine.h"
#include "util/map_keys.h"
#ifdef STS_HAVE_WHISPER
#include "asr/whisper_engine.h"
#endif

namespace sts::asr {

namespace {

std::unique_ptr<Engine> make_pocketsphinx(const EngineSettings& settings) {
  PocketsphinxSettings pocketsphinx;
  if (!settings.model_path.empty()) pocketsphinx.model_dir = settings.model_path;
  pocketsphinx.domains_dir = settings.domains_dir;
  pocketsphinx.decoders = settings.concurrency;
  return std::make_unique<PocketsphinxEngine>(pocketsphinx);
}

#ifdef STS_HAVE_WHISPER
std::unique_ptr<Engine> make_whisper(const EngineSettings& settings) {
  if (settings.model_path.empty()) {
    throw sts::StartupError("the whisper engine needs ASR_MODEL_PATH: a ggml model file");
  }
  // use_gpu only has an effect in a build with STS_WHISPER_CUDA.
  return std::make_unique<WhisperEngine>(
      WhisperSettings{settings.model_path, settings.threads, true, std::max(1, settings.concurrency)});
}
#endif

}  // namespace

const std::map<std::string, EngineFactory, std::less<>>& registry() {
  static const std::map<std::string, EngineFactory, std::less<>> engines{
      {"pocketsphinx", make_pocketsphinx},
#ifdef STS_HAVE_WHISPER
      {"whisper", make_whisper},
#endif
  };
  return engines;
}

std::vector<std::string> engine_names() { return util::keys(registry()); }

std::unique_ptr<Engine> make_engine(const EngineSettings& settings) {
  const auto found = registry().find(settings.engine);
  if (found == registry().end()) throw sts::StartupError("unknown ASR engine \"" + settings.engine + "\"");
  return found->second(settings);
}

}  // namespace sts::asr
