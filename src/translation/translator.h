// Machine translation behind one small interface. An engine is created once at
// start-up and shared by every stream: translate() is called from many compute
// threads at once and must be safe to call concurrently. An engine that cannot start
// (no apertium pair installed, no API key) throws sts::StartupError from its
// constructor; the server reports it at start-up and exits.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "errors/error.h"
#include "util/readiness.h"

namespace sts::translation {

struct Request {
  std::vector<std::string> sentences;  // translated one for one, in order
  std::string source_language;         // ISO 639-1, lower case
  std::string target_language;
  std::optional<std::string> formality;    // "more" | "less" | "prefer_more" | "prefer_less"
  std::optional<std::string> glossary_id;  // an engine-side glossary
  // Past this the call gives up with TIMEOUT; the fragment's own deadline bounds it.
  std::chrono::milliseconds timeout{5000};
};

using LanguagePair = std::pair<std::string, std::string>;

class Translator {
 public:
  virtual ~Translator() = default;
  virtual std::string_view name() const = 0;   // "apertium", "deepl"
  virtual std::string_view model() const = 0;  // what metadata.translation_model reports
  virtual const std::vector<LanguagePair>& pairs() const = 0;
  // Whether the engine can serve now (GET /health). Local engines, loaded at start-up,
  // always can.
  virtual util::Readiness readiness() const { return {}; }
  // Its pool of decoders, processes or connections, for sts_engine_pool_waiting.
  virtual util::PoolUsage pool_usage() const { return {}; }
  // Returns exactly one translation per request sentence, or a failure with a code of
  // docs/protocol.md §4, translation stage: TRANSLATION_API_UNAVAILABLE, RATE_LIMIT_EXCEEDED,
  // QUOTA_EXCEEDED, AUTH_FAILED, TIMEOUT, or another code for what only the engine
  // knows (a rejected request). Whether it is retryable follows the code table.
  virtual tl::expected<std::vector<std::string>, sts::Error> translate(const Request& request) const = 0;
};

}  // namespace sts::translation
