// Speech synthesis behind one small interface. An engine is created once at start-up
// and shared by every stream: synthesize() is called from many compute threads at
// once and must be safe to call concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "audio/pcm.h"
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

// docs/protocol.md §4, tts stage: INVALID_TEXT (text the engine rejects, or nothing left to
// say after normalisation), SYNTHESIS_FAILED (the engine failed), TIMEOUT.
struct Failure {
  std::string code;
  std::string message;
  bool retryable = false;
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
  virtual tl::expected<Speech, Failure> synthesize(const Request& request) const = 0;
};

// Thrown by engine constructors when the engine cannot start; the server reports it
// at start-up and exits.
class EngineStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sts::tts
