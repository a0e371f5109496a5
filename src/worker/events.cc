#include "worker/events.h"

#include <chrono>
#include <cstdint>

#include "util/base64.h"

namespace sts::worker {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads the fields of one server payload; every error names the event and field.
class Fields {
 public:
  Fields(std::string_view event, const Json& object) : event_(event), object_(object) {}

  const Json* find(const char* name) const {
    const auto it = object_.find(name);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  tl::unexpected<std::string> bad(const char* name, const char* what) const {
    return tl::unexpected(std::string(event_) + "." + name + " " + what);
  }
  tl::expected<std::string, std::string> text(const char* name) const {
    const Json* value = find(name);
    if (value == nullptr || !value->is_string()) return bad(name, "must be a string");
    return value->get<std::string>();
  }
  std::string optional_text(const char* name) const {
    const Json* value = find(name);
    return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
  }
  tl::expected<std::int64_t, std::string> integer(const char* name, std::int64_t fallback) const {
    const Json* value = find(name);
    if (value == nullptr) return fallback;
    if (!value->is_number_integer() ||
        (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
      return bad(name, "must be an integer");
    }
    return value->get<std::int64_t>();
  }
  double number(const char* name) const {
    const Json* value = find(name);
    return value != nullptr && value->is_number() ? value->get<double>() : 0.0;
  }
  bool flag(const char* name) const {
    const Json* value = find(name);
    return value != nullptr && value->is_boolean() && value->get<bool>();
  }

 private:
  std::string_view event_;
  const Json& object_;
};

tl::expected<StreamReady, std::string> parse_ready(const Fields& fields) {
  auto max_inflight = fields.integer("max_inflight", 3);
  if (!max_inflight) return tl::unexpected(max_inflight.error());
  if (*max_inflight < 1 || *max_inflight > 1000) return fields.bad("max_inflight", "must be between 1 and 1000");
  return StreamReady{fields.optional_text("session_id"), static_cast<int>(*max_inflight)};
}

tl::expected<pipeline::EncodedAudio, std::string> parse_audio(std::string_view event, const Json& object) {
  const Fields fields(event, object);
  auto format_name = fields.text("format");
  if (!format_name) return tl::unexpected(format_name.error());
  const auto format = audio::parse_audio_format(*format_name);
  if (!format) return fields.bad("format", "is not a wire format");
  auto rate = fields.integer("sample_rate_hz", 0);
  auto channels = fields.integer("channels", 0);
  auto duration = fields.integer("duration_ms", 0);
  if (!rate || !channels || !duration)
    return tl::unexpected(!rate ? rate.error() : !channels ? channels.error() : duration.error());
  if (*rate < 1 || *rate > 1'000'000 || *channels < 1 || *channels > 64) {
    return fields.bad("sample_rate_hz", "or channels out of range");
  }
  const Json* data = fields.find("data_base64");
  if (data == nullptr || !data->is_string()) return fields.bad("data_base64", "must be a string");
  auto bytes = util::base64_decode(data->get_ref<const std::string&>());
  if (!bytes) return fields.bad("data_base64", "is not valid base64");
  return pipeline::EncodedAudio{*format, static_cast<int>(*rate), static_cast<int>(*channels), *duration,
                                std::move(*bytes)};
}

tl::expected<FragmentProcessed, std::string> parse_processed(const Fields& fields) {
  FragmentProcessed processed;
  auto id = fields.text("fragment_id");
  auto status = fields.text("status");
  if (!id || !status) return tl::unexpected(!id ? id.error() : status.error());
  processed.fragment_id = std::move(*id);
  if (*status == "success") {
    processed.status = pipeline::FragmentStatus::success;
  } else if (*status == "partial") {
    processed.status = pipeline::FragmentStatus::partial;
  } else if (*status != "failed") {
    return fields.bad("status", "must be success, partial or failed");
  }
  processed.transcript = fields.optional_text("transcript");
  processed.translated_text = fields.optional_text("translated_text");
  processed.processing_time_ms = fields.number("processing_time_ms");
  if (const Json* timings = fields.find("stage_timings"); timings != nullptr && timings->is_object()) {
    for (const auto& [key, value] : timings->items()) {
      if (!value.is_number() || !key.ends_with("_ms")) continue;
      processed.stage_timings.emplace_back(key.substr(0, key.size() - 3), value.get<double>());
    }
  }
  if (const Json* audio = fields.find("dubbed_audio")) {
    auto parsed = parse_audio("fragment:processed.dubbed_audio", *audio);
    if (!parsed) return tl::unexpected(parsed.error());
    processed.dubbed_audio = std::move(*parsed);
  }
  if (const Json* error = fields.find("error"); error != nullptr && error->is_object()) {
    const Fields error_fields("fragment:processed.error", *error);
    auto code = error_fields.text("code");
    if (!code) return tl::unexpected(code.error());
    processed.error = FragmentError{error_fields.optional_text("stage"), std::move(*code),
                                    error_fields.optional_text("message"), error_fields.flag("retryable")};
  }
  if (processed.status != pipeline::FragmentStatus::failed && !processed.dubbed_audio) {
    return fields.bad("dubbed_audio", "is required unless the fragment failed");
  }
  return processed;
}

tl::expected<Backpressure, std::string> parse_backpressure(const Fields& fields) {
  auto action = fields.text("action");
  auto delay = fields.integer("recommended_delay_ms", 0);
  if (!action || !delay) return tl::unexpected(!action ? action.error() : delay.error());
  Backpressure backpressure;
  if (*action == "slow_down") {
    backpressure.action = Backpressure::Action::slow_down;
  } else if (*action == "pause") {
    backpressure.action = Backpressure::Action::pause;
  } else if (*action != "none") {
    return fields.bad("action", "must be none, slow_down or pause");
  }
  // A delay is a pause between sends; an hour is no longer a recommendation.
  if (*delay < 0 || *delay > 3'600'000) return fields.bad("recommended_delay_ms", "must be between 0 and 3600000");
  backpressure.severity = fields.optional_text("severity");
  backpressure.recommended_delay_ms = *delay;
  return backpressure;
}

tl::expected<ServerError, std::string> parse_error(const Fields& fields) {
  auto code = fields.text("code");
  if (!code) return tl::unexpected(code.error());
  ServerError error{std::move(*code), fields.optional_text("message"), fields.optional_text("severity"),
                    fields.flag("retryable"), std::nullopt};
  if (error.severity.empty()) error.severity = "error";
  if (const Json* id = fields.find("fragment_id"); id != nullptr && id->is_string())
    error.fragment_id = id->get<std::string>();
  return error;
}

tl::expected<StreamComplete, std::string> parse_complete(const Fields& fields) {
  StreamComplete complete;
  for (auto [name, field] : {std::pair{"total_fragments", &StreamComplete::total_fragments},
                             std::pair{"success_count", &StreamComplete::success_count},
                             std::pair{"partial_count", &StreamComplete::partial_count},
                             std::pair{"failed_count", &StreamComplete::failed_count}}) {
    auto value = fields.integer(name, 0);
    if (!value) return tl::unexpected(value.error());
    complete.*field = *value;
  }
  return complete;
}

template <typename T>
tl::expected<std::optional<ServerEvent>, std::string> wrap(tl::expected<T, std::string> parsed) {
  if (!parsed) return tl::unexpected(std::move(parsed.error()));
  return std::optional<ServerEvent>(std::move(*parsed));
}

}  // namespace

Json stream_init_json(const StreamConfig& config) {
  Json stream = {{"source_language", config.source_language},  {"target_language", config.target_language},
                 {"voice_profile", config.voice_profile},      {"chunk_duration_ms", config.chunk_duration_ms},
                 {"sample_rate_hz", config.sample_rate_hz},    {"channels", config.channels},
                 {"format", audio::format_name(config.format)}};
  if (!config.domain_hints.empty()) stream["domain_hints"] = config.domain_hints;
  return {{"stream_id", config.stream_id},
          {"worker_id", config.worker_id},
          {"config", std::move(stream)},
          {"max_inflight", config.max_inflight},
          {"timeout_ms", config.timeout_ms}};
}

Json fragment_json(const OutgoingFragment& fragment, const std::string& stream_id, std::int64_t sequence_number) {
  return {{"fragment_id", fragment.fragment_id},
          {"stream_id", stream_id},
          {"sequence_number", sequence_number},
          {"timestamp", unix_ms()},
          {"audio",
           {{"format", audio::format_name(fragment.format)},
            {"sample_rate_hz", fragment.sample_rate_hz},
            {"channels", fragment.channels},
            {"duration_ms", fragment.duration_ms},
            {"data_base64", util::base64_encode(*fragment.audio)}}},
          {"metadata", {{"pts_ns", fragment.start_ms * 1'000'000}}}};
}

Json delivery_ack_json(const std::string& fragment_id) {
  return {{"fragment_id", fragment_id}, {"status", "received"}, {"timestamp", unix_ms()}};
}

Json stream_end_json(const std::string& stream_id) { return {{"stream_id", stream_id}, {"reason", "end of input"}}; }

tl::expected<std::optional<ServerEvent>, std::string> parse_server_event(std::string_view name, Json& arguments) {
  static const Json kEmpty = Json::object();
  const Json& payload = arguments.is_array() && !arguments.empty() ? arguments.front() : kEmpty;
  if (!payload.is_object()) return tl::unexpected(std::string(name) + " payload must be an object");
  const Fields fields(name, payload);
  if (name == "stream:ready") return wrap(parse_ready(fields));
  if (name == "fragment:ack") {
    auto id = fields.text("fragment_id");
    if (!id) return tl::unexpected(id.error());
    return std::optional<ServerEvent>(FragmentAck{std::move(*id)});
  }
  if (name == "fragment:processed") return wrap(parse_processed(fields));
  if (name == "backpressure") return wrap(parse_backpressure(fields));
  if (name == "error") return wrap(parse_error(fields));
  if (name == "stream:complete") return wrap(parse_complete(fields));
  return std::optional<ServerEvent>();
}

}  // namespace sts::worker
