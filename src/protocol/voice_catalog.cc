#include "protocol/voice_catalog.h"

#include <fstream>
#include <sstream>

namespace sts::protocol {
namespace {

// Mapped to the embedded TTS engine; the engine-specific keys are its voice names.
constexpr std::string_view kBuiltinCatalog = R"({
  "voices": {
    "spanish_male_1": {"engine": "espeak", "language": "es", "description": "Spanish, male", "voice": "es+m3"},
    "spanish_female_1": {"engine": "espeak", "language": "es", "description": "Spanish, female", "voice": "es+f3"},
    "spanish_male_sports": {"engine": "espeak", "language": "es", "description": "Spanish, male, lively",
                            "voice": "es+m5", "rate": 185},
    "es_ES_male": {"engine": "espeak", "language": "es", "description": "Spanish (Spain), male", "voice": "es+m1"},
    "es_ES_female": {"engine": "espeak", "language": "es", "description": "Spanish (Spain), female",
                     "voice": "es+f2"},
    "es_419_male": {"engine": "espeak", "language": "es", "description": "Spanish (Latin America), male",
                    "voice": "es-419+m3"},
    "es_419_female": {"engine": "espeak", "language": "es", "description": "Spanish (Latin America), female",
                      "voice": "es-419+f4"}
  },
  "default_voice_per_language": {"es": "spanish_male_1"}
})";

}  // namespace

VoiceCatalog VoiceCatalog::builtin() {
  auto catalog = from_json(kBuiltinCatalog);
  if (!catalog) throw std::logic_error("built-in voice catalogue is invalid: " + catalog.error());
  return std::move(*catalog);
}

tl::expected<VoiceCatalog, std::string> VoiceCatalog::from_json(std::string_view text) {
  auto parsed = util::parse_json(text);
  if (!parsed) return tl::unexpected("not valid JSON: " + parsed.error());
  const util::Json& json = *parsed;
  if (!json.is_object() || !json.contains("voices") || !json["voices"].is_object() || json["voices"].empty()) {
    return tl::unexpected(std::string("\"voices\" must be a non-empty object"));
  }
  VoiceCatalog catalog;
  for (const auto& [name, entry] : json["voices"].items()) {
    if (name == "default") return tl::unexpected(std::string("\"default\" is reserved and cannot name a voice"));
    if (!entry.is_object() || !entry.contains("engine") || !entry["engine"].is_string() ||
        !entry.contains("language") || !entry["language"].is_string()) {
      return tl::unexpected("voice \"" + name + "\" needs string \"engine\" and \"language\" keys");
    }
    catalog.voices_.emplace(
        name, VoiceProfile{name, entry["engine"].get<std::string>(), entry["language"].get<std::string>(), entry});
  }
  if (json.contains("default_voice_per_language")) {
    const auto& defaults = json["default_voice_per_language"];
    if (!defaults.is_object()) return tl::unexpected(std::string("\"default_voice_per_language\" must be an object"));
    for (const auto& [language, voice] : defaults.items()) {
      if (!voice.is_string()) return tl::unexpected("default voice for \"" + language + "\" must be a string");
      const auto it = catalog.voices_.find(voice.get<std::string>());
      if (it == catalog.voices_.end()) {
        return tl::unexpected("default voice for \"" + language + "\" names unknown voice \"" +
                              voice.get<std::string>() + "\"");
      }
      if (it->second.language != language) {
        return tl::unexpected("default voice for \"" + language + "\" speaks \"" + it->second.language + "\"");
      }
      catalog.default_per_language_.emplace(language, it->first);
    }
  }
  return catalog;
}

tl::expected<VoiceCatalog, std::string> VoiceCatalog::from_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return tl::unexpected("cannot open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  auto catalog = from_json(text.str());
  if (!catalog) return tl::unexpected(path + ": " + catalog.error());
  return catalog;
}

tl::expected<const VoiceProfile*, std::string> VoiceCatalog::resolve(const std::string& profile,
                                                                     const std::string& target_language) const {
  std::string name = profile;
  if (profile == "default") {
    const auto it = default_per_language_.find(target_language);
    if (it == default_per_language_.end()) {
      return tl::unexpected("no default voice for target language \"" + target_language + "\"");
    }
    name = it->second;
  }
  const auto it = voices_.find(name);
  if (it == voices_.end()) return tl::unexpected("voice profile \"" + profile + "\" is not in the voice catalogue");
  if (it->second.language != target_language) {
    return tl::unexpected("voice profile \"" + profile + "\" speaks \"" + it->second.language + "\", not \"" +
                          target_language + "\"");
  }
  return &it->second;
}

std::vector<std::string> VoiceCatalog::names() const {
  std::vector<std::string> names;
  for (const auto& [name, voice] : voices_) names.push_back(name);
  return names;
}

}  // namespace sts::protocol
