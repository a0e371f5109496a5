// What the protocol hands the pipeline for one fragment, and what comes back: plain
// structs, so engines and the wire layer share no types but these.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "asr/engine.h"
#include "audio/format.h"
#include "errors/error.h"
#include "util/json.h"

namespace sts::pipeline {

using audio::AudioFormat;

enum class Stage { queued, decode, asr, translation, tts, duration_match, encode, done };
std::string_view stage_name(Stage stage);

// A fragment's failure: the stage it happened in and the error, whose code decides
// (errors/error.h) whether the worker may retry.
struct StageError {
  Stage stage;
  Error error;
};

// The stream's settings, fixed at stream:init and shared by its fragments' jobs.
struct StreamSpec {
  std::string stream_id;
  std::string source_language;
  std::string target_language;
  std::string voice_profile;                // resolved: never "default"
  util::Json voice = util::Json::object();  // its catalogue entry, for the TTS engine
  AudioFormat format = AudioFormat::pcm_s16le;
  int sample_rate_hz = 48000;
  int channels = 2;
  std::int64_t chunk_duration_ms = 0;
  std::vector<std::string> domain_hints;
};

struct FragmentJob {
  std::shared_ptr<const StreamSpec> stream;
  std::string fragment_id;
  std::int64_t sequence_number = 0;
  // The payload as sent (base64 already removed) and what the fragment declared.
  AudioFormat format = AudioFormat::pcm_s16le;
  int sample_rate_hz = 0;
  int channels = 0;
  std::int64_t duration_ms = 0;
  std::vector<std::uint8_t> audio;
  util::Json metadata = util::Json::object();

  // Where this fragment starts on the stream timeline: the client's metadata.pts_ns
  // when it sent one, else sequence_number x the stream's chunk duration.
  std::int64_t stream_offset_ms() const;
};

// Shared between a running job and the protocol that waits for it: the protocol
// reads the stage when the deadline passes and requests a stop; the job checks the
// token between stages and inside long waits.
struct JobControl {
  std::stop_source stop;
  std::atomic<Stage> stage{Stage::queued};
  // When the protocol gives up on the fragment: engine calls that can be bounded
  // (translation, synthesis) get no more than what is left of it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  // `stage_timeout`, or less when the fragment's deadline comes first.
  std::chrono::milliseconds time_left(std::chrono::milliseconds stage_timeout) const;
  // Waits `duration`, or until the stop; false when stopped.
  bool pause(std::chrono::milliseconds duration);
  // Waits `backoff` before a retry; false, at once or when the stop comes, if the
  // deadline would pass first.
  bool wait_to_retry(std::chrono::milliseconds backoff);
};

struct EncodedAudio {
  AudioFormat format = AudioFormat::pcm_s16le;
  int sample_rate_hz = 0;
  int channels = 0;
  std::int64_t duration_ms = 0;
  std::vector<std::uint8_t> bytes;
};

enum class FragmentStatus { success, partial, failed };
std::string_view status_name(FragmentStatus status);

struct StageTiming {
  Stage stage;
  double ms = 0;
};

// A stage failure the server retried (the retry's outcome is the stage's).
struct StageRetry {
  Stage stage;
  Error error;
};

struct FragmentResult {
  FragmentStatus status = FragmentStatus::failed;
  std::optional<EncodedAudio> dubbed_audio;
  std::string transcript;
  std::string translated_text;
  std::vector<asr::Segment> segments;  // stream-absolute times
  std::vector<StageTiming> stage_timings;
  std::vector<StageRetry> retries;
  std::optional<StageError> error;
  std::vector<std::string> warnings;
  std::int64_t original_duration_ms = 0;
  std::int64_t dubbed_duration_ms = 0;
  double duration_variance_percent = 0;
  double speed_ratio = 1.0;
  std::string asr_model;
  std::string translation_model;
  std::string tts_model;
  util::Json engine_metadata = util::Json::object();  // what engines chose, e.g. tts_rate_wpm
};

}  // namespace sts::pipeline
