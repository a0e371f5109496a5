#include "observability/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "util/mutex.h"

namespace sts::observability {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
thread_local const ScopedLogFields* t_scope = nullptr;
// Whole lines only: a line is written and flushed under it. It guards stderr, which
// no annotation can name.
util::Mutex g_write_mutex;

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis));
  return text;
}

}  // namespace

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (const auto level : {LogLevel::debug, LogLevel::info, LogLevel::warning, LogLevel::error}) {
    if (name == log_level_name(level)) return level;
  }
  return std::nullopt;
}

ScopedLogFields::ScopedLogFields(util::Json fields) : fields_(std::move(fields)), outer_(t_scope) { t_scope = this; }

ScopedLogFields::~ScopedLogFields() { t_scope = outer_; }

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }

bool log_enabled(LogLevel level) { return level >= g_level.load(std::memory_order_relaxed); }

void log(LogLevel level, std::string_view message, const util::Json& fields) {
  if (!log_enabled(level)) return;
  util::Json line = util::Json::object();
  line["ts"] = utc_timestamp();
  line["level"] = log_level_name(level);
  line["msg"] = message;
  for (const ScopedLogFields* scope = t_scope; scope != nullptr; scope = scope->outer_) {
    for (const auto& [key, value] : scope->fields_.items()) {
      if (!line.contains(key)) line[key] = value;
    }
  }
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  std::string text = util::to_json(line);
  text.push_back('\n');
  const util::MutexLock lock(g_write_mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace sts::observability
