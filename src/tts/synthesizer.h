// Speech synthesis behind one small interface. An engine is created once at start-up
// and shared by every stream: synthesize() is called from many compute threads at
// once and must be safe to call concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "audio/pcm.h"
#include "errors/error.h"
#include "util/json.h"
#include "util/readiness.h"

namespace sts::tts {

struct Request {
  std::string text;      // the translation, one fragment's worth
  std::string language;  // ISO 639-1, the stream's target language
  // The voice profile's catalogue entry (docs/protocol.md §5): engine-specific keys such
  // as "voice", "rate", "speaker", "speaker_wav".
  util::Json voice = util::Json::object();
  // How long the original speech lasted: engines that can choose a speaking rate aim
  // for it, so that duration matching only trims the last few percent.
  std::int64_t target_duration_ms = 0;
  std::chrono::milliseconds timeout{10000};
};

struct Speech {
  audio::PcmBuffer pcm;  // any rate, mono or more; the pipeline converts
  // What the engine chose, for fragment:processed metadata (e.g. {"tts_rate_wpm": 182}).
  util::Json metadata = util::Json::object();
};

class Synthesizer {
 public:
  virtual ~Synthesizer() = default;
  virtual std::string_view name() const = 0;   // "espeak", "http"
  virtual std::string_view model() const = 0;  // what metadata.tts_model reports
  virtual const std::vector<std::string>& languages() const = 0;
  // Whether the engine can serve now (GET /health). Local engines, loaded at start-up,
  // always can.
  virtual util::Readiness readiness() const { return {}; }
  // Its pool of decoders, processes or connections, for sts_engine_pool_waiting.
  virtual util::PoolUsage pool_usage() const { return {}; }
  // Failures, docs/protocol.md §4, tts stage: invalid_text (text the engine rejects, or
  // nothing left to say after normalization), synthesis_failed (the engine failed), timeout.
  virtual tl::expected<Speech, Error> synthesize(const Request& request) const = 0;
};

}  // namespace sts::tts
