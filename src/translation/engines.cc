#include "translation/engines.h"

#include <algorithm>

#include "translation/apertium_translator.h"
#include "translation/deepl_translator.h"

namespace sts::translation {

std::vector<std::string> engine_names() { return {"apertium", "deepl"}; }

std::unique_ptr<Translator> make_translator(const EngineSettings& settings) {
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
  throw EngineStartError("unknown translation engine \"" + settings.engine + "\"");
}

}  // namespace sts::translation
