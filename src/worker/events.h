// The STS events of docs/protocol.md §2–3 from the worker's side: the client events it
// sends, built with the exact field names, and the server events it receives,
// parsed and checked into structs. A server's extra fields are ignored; a missing or
// ill-typed field the worker needs is an error naming it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <variant>
#include <vector>

#include "audio/format.h"
#include "pipeline/fragment.h"
#include "util/json.h"

namespace sts::worker {

using util::Json;

// stream:init.
struct StreamConfig {
  std::string stream_id = "sts-dub";
  std::string worker_id = "sts-dub";
  std::string source_language = "en";
  std::string target_language = "es";
  std::string voice_profile = "default";
  std::vector<std::string> domain_hints;
  std::int64_t chunk_duration_ms = 6000;
  int sample_rate_hz = 48000;
  int channels = 2;
  audio::AudioFormat format = audio::AudioFormat::m4a;
  int max_inflight = 3;
  int timeout_ms = 8000;
};
Json stream_init_json(const StreamConfig& config);

// One fragment's audio as the worker sends it (and re-sends it on a retry).
struct OutgoingFragment {
  std::string fragment_id;
  std::int64_t start_ms = 0;  // where it starts on the stream timeline: metadata.pts_ns
  std::int64_t duration_ms = 0;
  audio::AudioFormat format = audio::AudioFormat::m4a;
  int sample_rate_hz = 48000;
  int channels = 2;
  std::shared_ptr<const std::vector<std::uint8_t>> audio;
};
Json fragment_json(const OutgoingFragment& fragment, const std::string& stream_id, std::int64_t sequence_number);
// The worker's fragment:ack confirming a fragment:processed (informational).
Json delivery_ack_json(const std::string& fragment_id);
Json stream_end_json(const std::string& stream_id);

// Server events.
struct StreamReady {
  std::string session_id;
  int max_inflight = 3;
};

struct FragmentAck {
  std::string fragment_id;
};

struct FragmentError {
  std::string stage;
  std::string code;
  std::string message;
  bool retryable = false;
};

struct FragmentProcessed {
  std::string fragment_id;
  pipeline::FragmentStatus status = pipeline::FragmentStatus::failed;
  std::optional<pipeline::EncodedAudio> dubbed_audio;  // base64 already decoded
  std::string transcript;
  std::string translated_text;
  double processing_time_ms = 0;
  std::vector<std::pair<std::string, double>> stage_timings;  // {"asr", ms}: "_ms" dropped
  std::optional<FragmentError> error;
};

struct Backpressure {
  enum class Action { none, slow_down, pause } action = Action::none;
  std::string severity;
  std::int64_t recommended_delay_ms = 0;
};

struct ServerError {
  std::string code;
  std::string message;
  std::string severity = "error";
  bool retryable = false;
  std::optional<std::string> fragment_id;
};

struct StreamComplete {
  std::int64_t total_fragments = 0;
  std::int64_t success_count = 0;
  std::int64_t partial_count = 0;
  std::int64_t failed_count = 0;
};

using ServerEvent =
    std::variant<StreamReady, FragmentAck, FragmentProcessed, Backpressure, ServerError, StreamComplete>;

// `arguments` is the event's argument array. nullopt for an event the STS protocol
// does not define (ignored, as servers may add events); an error names the event
// and the field that is wrong.
tl::expected<std::optional<ServerEvent>, std::string> parse_server_event(std::string_view name, Json& arguments);

}  // namespace sts::worker
