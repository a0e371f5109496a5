// The voice catalogue of docs/protocol.md §5, loaded once at start-up: which voice
// profiles stream:init may name, and what "default" means per target language.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "util/json.h"

namespace sts::protocol {

struct VoiceProfile {
  std::string name;
  std::string engine;
  std::string language;
  util::Json settings;  // the whole entry, engine-specific keys included
};

class VoiceCatalog {
 public:
  // The catalogue that ships with the server: the profiles existing workers use.
  static VoiceCatalog builtin();
  static tl::expected<VoiceCatalog, std::string> from_json(std::string_view text);
  static tl::expected<VoiceCatalog, std::string> from_file(const std::string& path);

  // Resolves "default" through default_voice_per_language; the error says why the
  // profile cannot speak `target_language`.
  tl::expected<const VoiceProfile*, std::string> resolve(const std::string& profile,
                                                         const std::string& target_language) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, VoiceProfile, std::less<>> voices_;
  std::map<std::string, std::string, std::less<>> default_per_language_;
};

}  // namespace sts::protocol
