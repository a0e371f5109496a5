// The STS events of docs/protocol.md §2–3: client payloads parsed and validated into
// structs, server events built with the exact field names. Unknown client fields are
// ignored, never rejected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "pipeline/fragment.h"
#include "util/json.h"

namespace sts::protocol {

using util::Json;

// Why a client event is refused, and the offending field when there is one
// ("config.sample_rate_hz"), which the error event names in metadata.field.
struct Rejection {
  Rejection(ErrorCode code, std::string message, std::string field_name = {})
      : error{code, std::move(message)}, field(std::move(field_name)) {}

  Error error;
  std::string field;
};

struct StreamInit {
  std::string stream_id;
  std::string worker_id;
  std::string source_language;
  std::string target_language;
  std::string voice_profile;
  std::int64_t chunk_duration_ms = 0;
  int sample_rate_hz = 0;
  int channels = 0;
  audio::AudioFormat format = audio::AudioFormat::pcm_s16le;
  std::vector<std::string> domain_hints;
  int max_inflight = 0;
  int timeout_ms = 0;
};

struct InitDefaults {
  int max_inflight = 3;
  int timeout_ms = 8000;
};

// INVALID_CONFIG naming the field, for anything missing, ill-typed or out of range.
tl::expected<StreamInit, Rejection> parse_stream_init(const Json& payload, const InitDefaults& defaults);

struct FragmentData {
  std::string fragment_id;
  std::string stream_id;
  std::int64_t sequence_number = 0;
  std::int64_t timestamp = 0;
  audio::AudioFormat format = audio::AudioFormat::pcm_s16le;
  int sample_rate_hz = 0;
  int channels = 0;
  std::int64_t duration_ms = 0;
  std::string data_base64;  // moved out of the payload: megabytes, never copied
  Json metadata = Json::object();
};

// INVALID_FRAGMENT naming the field. Takes the payload by reference to move the
// audio string out of it.
tl::expected<FragmentData, Rejection> parse_fragment(Json& payload);

// The ids of a payload that may be malformed, so a rejection can still name them.
std::optional<std::string> string_field(const Json& payload, const char* name);

// What the pipeline needs of a stream, fixed at stream:init; `voice_profile` resolved.
pipeline::StreamSpec stream_spec(const StreamInit& init, std::string voice_profile, Json voice);

// Server events.
std::int64_t unix_ms();
Json ack_json(const std::string& fragment_id, int queue_position, std::int64_t estimated_completion_ms);

// The error event: severity and retryable come from the code's entry in errors/error.h.
// `metadata` is left out when null.
Json error_json(const Error& error, const std::optional<std::string>& stream_id,
                const std::optional<std::string>& fragment_id, const Json& metadata = Json());

// left_empty: dubbed_audio.data_base64 is "", for a writer that encodes the audio
// straight into the outgoing frame (util::JsonSplice).
enum class AudioData { included, left_empty };

// fragment:processed. The client's pts_ns / source_pts_ns are echoed in metadata so
// a worker can place the audio without its own bookkeeping.
Json processed_json(const pipeline::FragmentResult& result, const std::string& stream_id,
                    const std::string& fragment_id, std::int64_t sequence_number, std::int64_t processing_time_ms,
                    const Json& client_metadata, AudioData audio_data = AudioData::included);
// Its stage_timings object: "<stage>_ms" for every stage run, asr/translation/tts
// always present.
Json stage_timings_json(const pipeline::FragmentResult& result);

}  // namespace sts::protocol
