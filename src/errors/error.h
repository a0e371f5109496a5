// The one error vocabulary: every code the server puts on the wire, with whether a
// worker may retry it and how severe it is, in one table (docs/protocol.md §2 and §4,
// and the server's own additions). Engines, the pipeline and the protocol all speak
// ErrorCode; the wire names and flags come from the table and nowhere else.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sts {

enum class ErrorCode : std::uint8_t {
  // fragment:processed.error (§4)
  timeout,
  model_error,
  invalid_audio,
  translation_api_unavailable,
  rate_limit_exceeded,
  quota_exceeded,
  auth_failed,
  synthesis_failed,
  invalid_text,
  duration_mismatch_exceeded,
  // ... and the server's own stage failures
  invalid_fragment,
  translation_rejected,
  invalid_response,
  encoding_failed,
  internal_error,
  // stream:init rejections (§2)
  invalid_config,
  unsupported_language_pair,
  invalid_voice_profile,
  capacity_exceeded,
  server_shutting_down,
  // fragment:data rejections (§2)
  stream_not_found,
  stream_paused,
  stream_ending,
  // STREAM_ENDING for a stream the server is closing because it shuts down: the
  // worker resends to another instance, so unlike the client's own end it is retryable.
  stream_ending_for_shutdown,
  backpressure_exceeded,
  fragment_too_large,
  invalid_sequence,
  // the connection and the engines
  invalid_message,
  unknown_event,
  model_load_failed,
  gpu_oom,
};

enum class ErrorSeverity : std::uint8_t { warning, error, fatal };

struct ErrorTraits {
  std::string_view wire_name;
  bool retryable;
  ErrorSeverity severity;
};

const ErrorTraits& traits(ErrorCode code);
inline std::string_view wire_name(ErrorCode code) { return traits(code).wire_name; }
inline bool retryable(ErrorCode code) { return traits(code).retryable; }
std::string_view severity_name(ErrorSeverity severity);
// The code a wire name stands for; STREAM_ENDING reads as the client's own end.
std::optional<ErrorCode> error_code_named(std::string_view wire_name);
// The wire name, for logs and test failure messages.
std::ostream& operator<<(std::ostream& out, ErrorCode code);

// A failure as the worker will see it: a code from the table and a message for its log.
struct Error {
  ErrorCode code;
  std::string message;
  // Whether the same work may succeed if tried again at once (a service that blipped, a
  // process that died): the server then retries the stage within the fragment's
  // deadline. The code's retry flag unless the engine knows better: a TTS server that
  // answered 503 is transient, though SYNTHESIS_FAILED tells the worker not to retry.
  bool transient = retryable(code);
};

// Thrown while the server starts (a model that does not load, an engine that cannot
// start): the message names the setting and the path or service at fault, and the
// server exits with it before it listens.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sts
