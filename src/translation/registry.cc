#include "translation/registry.h"

#include <algorithm>

#include "errors/error.h"
#include "translation/apertium_translator.h"
#include "translation/deepl_translator.h"
#include "util/map_keys.h"

namespace sts::translation {

namespace {

std::unique_ptr<Translator> make_apertium(const EngineSettings& settings) {
  ApertiumSettings apertium;
  apertium.pipelines_per_pair = std::max(1, settings.concurrency);
  return std::make_unique<ApertiumTranslator>(apertium);
}

std::unique_ptr<Translator> make_deepl(const EngineSettings& settings) {
  DeeplSettings deepl;
  deepl.api_key = settings.deepl_api_key;
  deepl.api_url = settings.deepl_api_url;
  deepl.formality = settings.formality;
  deepl.glossary_id = settings.glossary_id;
  deepl.max_connections = std::max(1, settings.concurrency);
  return std::make_unique<DeeplTranslator>(std::move(deepl));
}

}  // namespace

const std::map<std::string, EngineFactory, std::less<>>& registry() {
  static const std::map<std::string, EngineFactory, std::less<>> engines{{"apertium", make_apertium},
                                                                         {"deepl", make_deepl}};
  return engines;
}

std::vector<std::string> engine_names() { return util::keys(registry()); }

std::unique_ptr<Translator> make_translator(const EngineSettings& settings) {
  // Start-up reports every component's StartupError alike, so the setting at fault is
  // named here, where it is known.
  try {
    const auto found = registry().find(settings.engine);
    if (found == registry().end()) {
      throw sts::StartupError("unknown translation engine \"" + settings.engine + "\"");
    }
    return found->second(settings);
  } catch (const sts::StartupError& error) {
    throw sts::StartupError("TRANSLATION_ENGINE " + settings.engine + ": " + error.what());
  }
}

}  // namespace sts::translation
