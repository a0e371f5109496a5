// Structured logs: one JSON object per line on stderr, so log shippers need no
// parsing rules. The process has one log sink and one level, set once at start-up
// from LOG_LEVEL; every component writes through these functions.
#pragma once

#include <optional>
#include <string_view>

#include "util/json.h"

namespace sts::observability {

enum class LogLevel { debug, info, warning, error };

std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);

// `fields` is a JSON object merged into the line (stream_id, fragment_id, ...).
// Never pass audio payloads or secrets.
void log(LogLevel level, std::string_view message, const util::Json& fields = util::Json::object());

// Fields merged into every line this thread logs while the scope lives: a fragment's
// job sets its stream_id / fragment_id / sequence_number, so engines' own lines about
// that fragment carry them without knowing of streams. Scopes nest.
class ScopedLogFields {
 public:
  explicit ScopedLogFields(util::Json fields);
  ~ScopedLogFields();
  ScopedLogFields(const ScopedLogFields&) = delete;
  ScopedLogFields& operator=(const ScopedLogFields&) = delete;

 private:
  const util::Json fields_;
  const ScopedLogFields* outer_;
  friend void log(LogLevel, std::string_view, const util::Json&);
};

inline void log_debug(std::string_view message, const util::Json& fields = util::Json::object()) {
  if (log_enabled(LogLevel::debug)) log(LogLevel::debug, message, fields);
}
inline void log_info(std::string_view message, const util::Json& fields = util::Json::object()) {
  log(LogLevel::info, message, fields);
}
inline void log_warning(std::string_view message, const util::Json& fields = util::Json::object()) {
  log(LogLevel::warning, message, fields);
}
inline void log_error(std::string_view message, const util::Json& fields = util::Json::object()) {
  log(LogLevel::error, message, fields);
}

}  // namespace sts::observability
