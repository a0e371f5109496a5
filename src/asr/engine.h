// Speech recognition behind one small interface. An engine loads its model once, at
// start-up, and is then shared by every stream: recognize() is called from many
// compute threads at once and must be safe to call concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "audio/pcm.h"
#include "errors/error.h"
#include "util/readiness.h"

namespace sts::asr {

// Every engine hears 16 kHz mono: the pipeline converts once, before VAD.
inline constexpr int kSampleRateHz = 16000;

struct Request {
  std::string language;                   // ISO 639-1, as the stream declared it
  std::vector<std::string> domain_hints;  // e.g. "sports", "news"
  std::int64_t offset_ms = 0;             // where the audio starts on the stream timeline
  // The fragment's deadline: an engine that can stop mid-inference does, and fails with timeout.
  std::stop_token stop{};  // `{}`: no -Wmissing-field-initializers where callers leave it out
};

struct Segment {
  std::int64_t start_ms = 0;  // stream-absolute: the request's offset added
  std::int64_t end_ms = 0;
  std::string text;
  std::optional<double> confidence;  // 0..1 where the engine gives one
};

struct Transcript {
  std::vector<Segment> segments;
  std::string text() const;  // the segments' texts joined by single spaces
};

// Engine constructors throw sts::StartupError when the model cannot be loaded; the
// server reports it as MODEL_LOAD_FAILED at start-up and exits.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;   // "pocketsphinx", "whisper"
  virtual std::string_view model() const = 0;  // what metadata.asr_model reports
  virtual const std::vector<std::string>& languages() const = 0;
  // Whether the engine can serve now (GET /health). Local engines, loaded at start-up,
  // always can.
  virtual util::Readiness readiness() const { return {}; }
  // Its pool of decoders, processes or connections, for sts_engine_pool_waiting.
  virtual util::PoolUsage pool_usage() const { return {}; }
  // `pcm` is kSampleRateHz mono. Fails with model_error (MODEL_ERROR) for an inference
  // failure, invalid_audio (INVALID_AUDIO) for audio the engine cannot take, timeout
  // (TIMEOUT) when request.stop is requested before it finishes.
  virtual tl::expected<Transcript, sts::Error> recognize(const audio::PcmBuffer& pcm, const Request& request) const = 0;
};

}  // namespace sts::asr
