#include "translation/engines.h"

#include <algorithm>

#include "errors/error.h"
#include "translation/apertium_translator.h"
#include "translation/deepl_translator.h"

namespace sts::translation {

std::vector<std::string> engine_names() { return {"apertium", "deepl"}; }

std::unique_ptr<Translator> make_translator(const EngineSettings& settings) {
  // Start-up reports every component's StartupError alike, so the setting at fault is
  // named here, where it is known.
  try {
    if (settings.engine == "apertium") {
      ApertiumSettings apertium;
      apertium.pipelines_per_pair = std::max(1, settings.concurrency);
      return std::make_unique<ApertiumTranslator>(apertium);
    }
    if (settings.engine == "deepl") {
      DeeplSettings deepl;
      deepl.api_key = settings.deepl_api_key;
      deepl.api_url = settings.deepl_api_url;
      deepl.formality = settings.formality;
      deepl.glossary_id = settings.glossary_id;
      deepl.max_connections = std::max(1, settings.concurrency);
      return std::make_unique<DeeplTranslator>(std::move(deepl));
    }
    throw sts::StartupError("unknown translation engine \"" + settings.engine + "\"");
  } catch (const sts::StartupError& error) {
    throw sts::StartupError("TRANSLATION_ENGINE " + settings.engine + ": " + error.what());
  }
}

}  // namespace sts::translation
