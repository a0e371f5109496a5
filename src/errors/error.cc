#include "errors/error.h"

#include <array>
#include <ostream>
#include <utility>

namespace sts {
namespace {

constexpr std::size_t kCodes = static_cast<std::size_t>(ErrorCode::gpu_oom) + 1;

constexpr ErrorTraits entry(std::string_view wire, bool retryable, ErrorSeverity severity = ErrorSeverity::error) {
  return {wire, retryable, severity};
}

// Indexed by ErrorCode; the static_assert below keeps the two in step.
constexpr std::array<std::pair<ErrorCode, ErrorTraits>, kCodes> kTable{{
    {ErrorCode::timeout, entry("TIMEOUT", true)},
    {ErrorCode::model_error, entry("MODEL_ERROR", true)},
    {ErrorCode::invalid_audio, entry("INVALID_AUDIO", false)},
    {ErrorCode::translation_api_unavailable, entry("TRANSLATION_API_UNAVAILABLE", true)},
    {ErrorCode::rate_limit_exceeded, entry("RATE_LIMIT_EXCEEDED", true)},
    {ErrorCode::quota_exceeded, entry("QUOTA_EXCEEDED", false)},
    {ErrorCode::auth_failed, entry("AUTH_FAILED", false)},
    {ErrorCode::synthesis_failed, entry("SYNTHESIS_FAILED", false)},
    {ErrorCode::invalid_text, entry("INVALID_TEXT", false)},
    {ErrorCode::duration_mismatch_exceeded, entry("DURATION_MISMATCH_EXCEEDED", false)},
    {ErrorCode::invalid_fragment, entry("INVALID_FRAGMENT", false)},
    {ErrorCode::translation_rejected, entry("TRANSLATION_REJECTED", false)},
    {ErrorCode::invalid_response, entry("INVALID_RESPONSE", false)},
    {ErrorCode::encoding_failed, entry("ENCODING_FAILED", false)},
    {ErrorCode::internal_error, entry("INTERNAL_ERROR", false)},
    {ErrorCode::invalid_config, entry("INVALID_CONFIG", false)},
    {ErrorCode::unsupported_language_pair, entry("UNSUPPORTED_LANGUAGE_PAIR", false)},
    {ErrorCode::invalid_voice_profile, entry("INVALID_VOICE_PROFILE", false)},
    {ErrorCode::capacity_exceeded, entry("CAPACITY_EXCEEDED", true)},
    {ErrorCode::server_shutting_down, entry("SERVER_SHUTTING_DOWN", true, ErrorSeverity::fatal)},
    {ErrorCode::stream_not_found, entry("STREAM_NOT_FOUND", false)},
    {ErrorCode::stream_paused, entry("STREAM_PAUSED", true, ErrorSeverity::warning)},
    {ErrorCode::stream_ending, entry("STREAM_ENDING", false, ErrorSeverity::warning)},
    {ErrorCode::stream_ending_for_shutdown, entry("STREAM_ENDING", true, ErrorSeverity::warning)},
    {ErrorCode::backpressure_exceeded, entry("BACKPRESSURE_EXCEEDED", true, ErrorSeverity::warning)},
    {ErrorCode::fragment_too_large, entry("FRAGMENT_TOO_LARGE", false)},
    {ErrorCode::invalid_sequence, entry("INVALID_SEQUENCE", false)},
    {ErrorCode::invalid_message, entry("INVALID_MESSAGE", false)},
    {ErrorCode::unknown_event, entry("UNKNOWN_EVENT", false, ErrorSeverity::warning)},
    {ErrorCode::model_load_failed, entry("MODEL_LOAD_FAILED", false, ErrorSeverity::fatal)},
    {ErrorCode::gpu_oom, entry("GPU_OOM", true, ErrorSeverity::fatal)},
}};

constexpr bool in_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].first) != i) return false;
  }
  return true;
}
static_assert(in_order(), "kTable lists every ErrorCode once, in declaration order");

}  // namespace

const ErrorTraits& traits(ErrorCode code) { return kTable[static_cast<std::size_t>(code)].second; }

std::string_view severity_name(ErrorSeverity severity) {
  switch (severity) {
    case ErrorSeverity::warning: return "warning";
    case ErrorSeverity::error: return "error";
    case ErrorSeverity::fatal: return "fatal";
  }
  return "error";
}

std::optional<ErrorCode> error_code_named(std::string_view wire_name) {
  for (const auto& [code, traits] : kTable) {
    if (traits.wire_name == wire_name) return code;
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, ErrorCode code) { return out << wire_name(code); }

}  // namespace sts
