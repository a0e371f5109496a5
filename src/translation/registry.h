// The translators this build has, by the name TRANSLATION_ENGINE selects. There is
// no fallback from one to another: a DeepL outage fails fragments (retryably), it
// does not quietly switch to apertium.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "translation/translator.h"

namespace sts::translation {

struct EngineSettings {
  std::string engine = "apertium";
  std::string deepl_api_key;  // DEEPL_API_KEY
  std::string deepl_api_url;  // DEEPL_API_URL; empty: DeepL's own, by the key
  std::optional<std::string> formality;
  std::optional<std::string> glossary_id;
  std::chrono::milliseconds timeout{5000};  // per call
  int concurrency = 1;                      // calls that may run at once: the compute pool's size
};

using EngineFactory = std::function<std::unique_ptr<Translator>(const EngineSettings&)>;
// Every engine of this build, by the name TRANSLATION_ENGINE selects: the one list of names.
const std::map<std::string, EngineFactory, std::less<>>& registry();
std::vector<std::string> engine_names();  // registry()'s keys
// Throws sts::StartupError for an unknown engine or one that cannot start, its
// message prefixed "TRANSLATION_ENGINE <name>: " to name the setting at fault.
std::unique_ptr<Translator> make_translator(const EngineSettings& settings);

}  // namespace sts::translation
