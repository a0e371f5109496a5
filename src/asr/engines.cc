#include "asr/engines.h"

#include "asr/pocketsphinx_engine.h"

namespace sts::asr {

std::vector<std::string> engine_names() { return {"pocketsphinx"}; }

std::unique_ptr<Engine> make_engine(const EngineSettings& settings) {
  if (settings.engine == "pocketsphinx") {
    PocketsphinxSettings pocketsphinx;
    if (!settings.model_path.empty()) pocketsphinx.model_dir = settings.model_path;
    pocketsphinx.domains_dir = settings.domains_dir;
    pocketsphinx.decoders = settings.concurrency;
    return std::make_unique<PocketsphinxEngine>(pocketsphinx);
  }
  throw ModelLoadError("unknown ASR engine \"" + settings.engine + "\"");
}

}  // namespace sts::asr
