#include "protocol/messages.h"

#include <chrono>
#include <cmath>
#include <random>

#include "util/base64.h"

namespace sts::protocol {
namespace {

constexpr std::size_t kMaxIdLength = 256;

// Reads typed fields of one JSON object; every failure names the field with the
// reader's prefix ("config.") and carries the rejection code given at construction.
class FieldReader {
 public:
  FieldReader(const Json& object, ErrorCode code, std::string prefix = {})
      : object_(object), code_(code), prefix_(std::move(prefix)) {}

  const Json* find(const char* name) const {
    const auto it = object_.find(name);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  tl::expected<std::string, Rejection> text(const char* name, std::size_t max_length = kMaxIdLength) const {
    const Json* value = find(name);
    if (value == nullptr) return missing(name);
    if (!value->is_string()) return reject(name, "must be a string");
    const auto& text = value->get_ref<const std::string&>();
    if (text.empty()) return reject(name, "must not be empty");
    if (text.size() > max_length) return reject(name, "is longer than " + std::to_string(max_length) + " characters");
    return text;
  }

  tl::expected<std::int64_t, Rejection> integer(const char* name, std::int64_t min, std::int64_t max) const {
    const Json* value = find(name);
    if (value == nullptr) return missing(name);
    return integer_value(name, *value, min, max);
  }

  tl::expected<std::int64_t, Rejection> optional_integer(const char* name, std::int64_t min, std::int64_t max,
                                                         std::int64_t fallback) const {
    const Json* value = find(name);
    return value == nullptr ? fallback : integer_value(name, *value, min, max);
  }

  tl::expected<const Json*, Rejection> object(const char* name) const {
    const Json* value = find(name);
    if (value == nullptr) return missing(name);
    if (!value->is_object()) return reject(name, "must be an object");
    return value;
  }

  tl::unexpected<Rejection> reject(const char* name, const std::string& what) const {
    const std::string field = prefix_ + name;
    return tl::unexpected(Rejection{code_, field + " " + what, field});
  }

 private:
  tl::unexpected<Rejection> missing(const char* name) const { return reject(name, "is required"); }

  tl::expected<std::int64_t, Rejection> integer_value(const char* name, const Json& value, std::int64_t min,
                                                      std::int64_t max) const {
    std::int64_t number = 0;
    if (value.is_number_integer()) {
      if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
        return out_of_range(name, min, max);
      }
      number = value.get<std::int64_t>();
    } else if (value.is_number_float() && std::isfinite(value.get<double>()) &&
               value.get<double>() == std::floor(value.get<double>()) && std::abs(value.get<double>()) >= 0x1p63) {
      // An integer beyond 64 bits, which util::parse_json reads as a double.
      return out_of_range(name, min, max);
    } else {
      return reject(name, "must be an integer");
    }
    if (number < min || number > max) return out_of_range(name, min, max);
    return number;
  }

  tl::unexpected<Rejection> out_of_range(const char* name, std::int64_t min, std::int64_t max) const {
    return reject(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }

  const Json& object_;
  ErrorCode code_;
  std::string prefix_;
};

bool is_language_code(const std::string& code) {
  if (code.size() < 2 || code.size() > 16) return false;
  for (const char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

tl::expected<audio::AudioFormat, Rejection> format_field(const FieldReader& reader, const char* name) {
  auto text = reader.text(name, 32);
  if (!text) return tl::unexpected(text.error());
  const auto format = audio::parse_audio_format(*text);
  if (!format) return reader.reject(name, "'" + *text + "' is not one of pcm_s16le, pcm_f32le, wav, m4a");
  return *format;
}

// Limits of the protocol's numbers; wider than any real capture, tight enough that
// arithmetic on them cannot overflow.
constexpr std::int64_t kMinRate = 8000, kMaxRate = 192000;
constexpr std::int64_t kMaxChannels = 8;
constexpr std::int64_t kMaxDurationMs = 60000;
constexpr std::size_t kMaxDomainHints = 32;

tl::expected<std::vector<std::string>, Rejection> domain_hints(const FieldReader& config) {
  std::vector<std::string> hints;
  const Json* value = config.find("domain_hints");
  if (value == nullptr) return hints;
  if (!value->is_array()) return config.reject("domain_hints", "must be an array of strings");
  if (value->size() > kMaxDomainHints) {
    return config.reject("domain_hints", "has more than " + std::to_string(kMaxDomainHints) + " entries");
  }
  for (const auto& hint : *value) {
    if (!hint.is_string() || hint.get_ref<const std::string&>().empty() ||
        hint.get_ref<const std::string&>().size() > 64) {
      return config.reject("domain_hints", "must hold non-empty strings of at most 64 characters");
    }
    hints.push_back(hint.get<std::string>());
  }
  return hints;
}

}  // namespace

std::optional<std::string> string_field(const Json& payload, const char* name) {
  if (!payload.is_object()) return std::nullopt;
  const auto it = payload.find(name);
  if (it == payload.end() || !it->is_string() || it->get_ref<const std::string&>().size() > kMaxIdLength) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

tl::expected<StreamInit, Rejection> parse_stream_init(const Json& payload, const InitDefaults& defaults) {
  if (!payload.is_object()) {
    return tl::unexpected(Rejection{ErrorCode::invalid_config, "stream:init payload must be an object"});
  }
  const FieldReader top(payload, ErrorCode::invalid_config);
  StreamInit init;
  auto stream_id = top.text("stream_id");
  if (!stream_id) return tl::unexpected(stream_id.error());
  init.stream_id = std::move(*stream_id);
  auto worker_id = top.text("worker_id");
  if (!worker_id) return tl::unexpected(worker_id.error());
  init.worker_id = std::move(*worker_id);

  auto config_object = top.object("config");
  if (!config_object) return tl::unexpected(config_object.error());
  const FieldReader config(**config_object, ErrorCode::invalid_config, "config.");
  for (const auto& [name, target] :
       {std::pair{"source_language", &init.source_language}, std::pair{"target_language", &init.target_language}}) {
    auto code = config.text(name, 16);
    if (!code) return tl::unexpected(code.error());
    if (!is_language_code(*code)) return config.reject(name, "'" + *code + "' is not a language code such as \"en\"");
    *target = lower(std::move(*code));
  }
  auto voice = config.text("voice_profile");
  if (!voice) return tl::unexpected(voice.error());
  init.voice_profile = std::move(*voice);
  auto chunk = config.integer("chunk_duration_ms", 100, kMaxDurationMs);
  if (!chunk) return tl::unexpected(chunk.error());
  init.chunk_duration_ms = *chunk;
  auto rate = config.integer("sample_rate_hz", kMinRate, kMaxRate);
  if (!rate) return tl::unexpected(rate.error());
  init.sample_rate_hz = static_cast<int>(*rate);
  auto channels = config.integer("channels", 1, kMaxChannels);
  if (!channels) return tl::unexpected(channels.error());
  init.channels = static_cast<int>(*channels);
  auto format = format_field(config, "format");
  if (!format) return tl::unexpected(format.error());
  init.format = *format;
  auto hints = domain_hints(config);
  if (!hints) return tl::unexpected(hints.error());
  init.domain_hints = std::move(*hints);

  auto max_inflight = top.optional_integer("max_inflight", 1, 10, defaults.max_inflight);
  if (!max_inflight) return tl::unexpected(max_inflight.error());
  init.max_inflight = static_cast<int>(*max_inflight);
  auto timeout = top.optional_integer("timeout_ms", 1000, 30000, defaults.timeout_ms);
  if (!timeout) return tl::unexpected(timeout.error());
  init.timeout_ms = static_cast<int>(*timeout);
  return init;
}

tl::expected<FragmentData, Rejection> parse_fragment(Json& payload) {
  if (!payload.is_object()) {
    return tl::unexpected(Rejection{ErrorCode::invalid_fragment, "fragment:data payload must be an object"});
  }
  const FieldReader top(payload, ErrorCode::invalid_fragment);
  FragmentData fragment;
  auto fragment_id = top.text("fragment_id");
  if (!fragment_id) return tl::unexpected(fragment_id.error());
  fragment.fragment_id = std::move(*fragment_id);
  auto stream_id = top.text("stream_id");
  if (!stream_id) return tl::unexpected(stream_id.error());
  fragment.stream_id = std::move(*stream_id);
  auto sequence = top.integer("sequence_number", 0, std::numeric_limits<std::int64_t>::max());
  if (!sequence) return tl::unexpected(sequence.error());
  fragment.sequence_number = *sequence;
  auto timestamp = top.integer("timestamp", 0, std::numeric_limits<std::int64_t>::max());
  if (!timestamp) return tl::unexpected(timestamp.error());
  fragment.timestamp = *timestamp;

  auto audio_object = top.object("audio");
  if (!audio_object) return tl::unexpected(audio_object.error());
  const FieldReader audio(**audio_object, ErrorCode::invalid_fragment, "audio.");
  auto format = format_field(audio, "format");
  if (!format) return tl::unexpected(format.error());
  fragment.format = *format;
  auto rate = audio.integer("sample_rate_hz", kMinRate, kMaxRate);
  if (!rate) return tl::unexpected(rate.error());
  fragment.sample_rate_hz = static_cast<int>(*rate);
  auto channels = audio.integer("channels", 1, kMaxChannels);
  if (!channels) return tl::unexpected(channels.error());
  fragment.channels = static_cast<int>(*channels);
  auto duration = audio.integer("duration_ms", 1, kMaxDurationMs);
  if (!duration) return tl::unexpected(duration.error());
  fragment.duration_ms = *duration;
  auto data = payload["audio"].find("data_base64");
  if (data == payload["audio"].end() || data->is_null()) return audio.reject("data_base64", "is required");
  if (!data->is_string()) return audio.reject("data_base64", "must be a string");
  fragment.data_base64 = std::move(data->get_ref<std::string&>());

  if (const Json* metadata = top.find("metadata")) {
    if (!metadata->is_object()) return top.reject("metadata", "must be an object");
    fragment.metadata = *metadata;
  }
  return fragment;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

pipeline::StreamSpec stream_spec(const StreamInit& init, std::string voice_profile, Json voice) {
  pipeline::StreamSpec spec;
  spec.stream_id = init.stream_id;
  spec.source_language = init.source_language;
  spec.target_language = init.target_language;
  spec.voice_profile = std::move(voice_profile);
  spec.voice = std::move(voice);
  spec.format = init.format;
  spec.sample_rate_hz = init.sample_rate_hz;
  spec.channels = init.channels;
  spec.chunk_duration_ms = init.chunk_duration_ms;
  spec.domain_hints = init.domain_hints;
  return spec;
}

Json ack_json(const std::string& fragment_id, int queue_position, std::int64_t estimated_completion_ms) {
  return {{"fragment_id", fragment_id},
          {"status", "queued"},
          {"queue_position", queue_position},
          {"estimated_completion_ms", estimated_completion_ms},
          {"timestamp", unix_ms()}};
}

Json error_json(const Error& error, const std::optional<std::string>& stream_id,
                const std::optional<std::string>& fragment_id, const Json& metadata) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char error_id[24];
  std::snprintf(error_id, sizeof error_id, "err_%016llx", static_cast<unsigned long long>(random()));
  const ErrorTraits& about = traits(error.code);
  Json json = {{"error_id", error_id},
               {"code", about.wire_name},
               {"message", error.message},
               {"severity", severity_name(about.severity)},
               {"retryable", about.retryable}};
  if (stream_id) json["stream_id"] = *stream_id;
  if (fragment_id) json["fragment_id"] = *fragment_id;
  if (!metadata.is_null()) json["metadata"] = metadata;
  return json;
}

namespace {

Json audio_json(const pipeline::EncodedAudio& audio, AudioData audio_data) {
  std::string base64;
  if (audio_data == AudioData::included) util::base64_encode_append(audio.bytes, base64);
  return {{"format", audio::format_name(audio.format)},
          {"sample_rate_hz", audio.sample_rate_hz},
          {"channels", audio.channels},
          {"duration_ms", audio.duration_ms},
          {"data_base64", std::move(base64)}};
}

Json assets_json(const pipeline::FragmentResult& result, const std::string& fragment_id) {
  Json segments = Json::array();
  for (const auto& segment : result.segments) {
    Json item = {{"start_ms", segment.start_ms}, {"end_ms", segment.end_ms}, {"text", segment.text}};
    if (segment.confidence) item["confidence"] = *segment.confidence;
    segments.push_back(std::move(item));
  }
  const std::string transcript_id = fragment_id + ":transcript";
  const std::string translation_id = fragment_id + ":translation";
  return {{"transcript", {{"asset_id", transcript_id}, {"parent_asset_ids", {fragment_id}}, {"segments", segments}}},
          {"translation", {{"asset_id", translation_id}, {"parent_asset_ids", {transcript_id}}}},
          {"audio", {{"asset_id", fragment_id + ":audio"}, {"parent_asset_ids", {translation_id}}}}};
}

}  // namespace

Json stage_timings_json(const pipeline::FragmentResult& result) {
  Json timings = Json::object();
  for (const auto& timing : result.stage_timings) {
    timings[std::string(pipeline::stage_name(timing.stage)) + "_ms"] = static_cast<std::int64_t>(timing.ms + 0.5);
  }
  for (const char* stage : {"asr_ms", "translation_ms", "tts_ms"}) {
    if (!timings.contains(stage)) timings[stage] = 0;
  }
  return timings;
}

Json processed_json(const pipeline::FragmentResult& result, const std::string& stream_id,
                    const std::string& fragment_id, std::int64_t sequence_number, std::int64_t processing_time_ms,
                    const Json& client_metadata, AudioData audio_data) {
  Json metadata = {{"original_duration_ms", result.original_duration_ms},
                   {"dubbed_duration_ms", result.dubbed_duration_ms},
                   {"duration_variance_percent", result.duration_variance_percent},
                   {"speed_ratio", result.speed_ratio},
                   {"asr_model", result.asr_model},
                   {"translation_model", result.translation_model},
                   {"tts_model", result.tts_model},
                   {"retries", result.retries.size()}};
  for (const auto& [key, value] : result.engine_metadata.items()) metadata[key] = value;
  for (const char* key : {"pts_ns", "source_pts_ns"}) {
    if (const auto it = client_metadata.find(key); it != client_metadata.end()) metadata[key] = *it;
  }
  Json json = {{"fragment_id", fragment_id},
               {"stream_id", stream_id},
               {"sequence_number", sequence_number},
               {"status", pipeline::status_name(result.status)},
               {"processing_time_ms", processing_time_ms},
               {"stage_timings", stage_timings_json(result)},
               {"metadata", std::move(metadata)}};
  if (result.dubbed_audio) json["dubbed_audio"] = audio_json(*result.dubbed_audio, audio_data);
  if (result.status != pipeline::FragmentStatus::failed) {
    json["transcript"] = result.transcript;
    json["translated_text"] = result.translated_text;
    json["assets"] = assets_json(result, fragment_id);
  }
  if (result.error) {
    const Error& error = result.error->error;
    json["error"] = {{"stage", pipeline::stage_name(result.error->stage)},
                     {"code", wire_name(error.code)},
                     {"message", error.message},
                     {"retryable", retryable(error.code)}};
  }
  if (!result.warnings.empty()) json["warnings"] = result.warnings;
  return json;
}

}  // namespace sts::protocol
