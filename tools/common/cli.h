// Command-line reading shared by sts-dub and sts-load: flags with values, numbers in
// range, and the stream settings both take. A usage error is an exception the main
// turns into a message and exit status 2.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "worker/events.h"

namespace sts::tools {

constexpr int kExitFailed = 1;  // the server could not be reached, refused, or went away
constexpr int kExitUsage = 2;
// A server answers every fragment within its timeout_ms; beyond that plus this, the
// server or the path to it is broken.
constexpr std::chrono::milliseconds kAnswerMargin{5000};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The body of both mains: a usage error becomes its message, a hint and status 2;
// any other failure its message and status 1.
template <typename Run>
int guarded_main(std::string_view tool, Run&& run) {
  try {
    return run();
  } catch (const UsageError& error) {
    std::cerr << tool << ": " << error.what() << "\nrun " << tool << " --help for the options\n";
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << tool << ": " << error.what() << "\n";
    return kExitFailed;
  }
}

class ArgReader {
 public:
  ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}

  bool done() const { return index_ >= argc_; }
  std::string_view next() { return argv_[index_++]; }

  // The value after `flag`.
  std::string value(std::string_view flag) {
    if (done()) throw UsageError(std::string(flag) + " needs a value");
    return argv_[index_++];
  }
  long long integer(std::string_view flag, long long min, long long max) {
    const std::string text = value(flag);
    long long number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size() || number < min || number > max) {
      throw UsageError(std::string(flag) + " \"" + text + "\" must be a whole number from " + std::to_string(min) +
                       " to " + std::to_string(max));
    }
    return number;
  }

 private:
  int argc_;
  char** argv_;
  int index_ = 1;
};

// The stream:init settings both tools take; false when `flag` is not one of them.
inline bool read_stream_flag(std::string_view flag, ArgReader& args, worker::StreamConfig& stream) {
  if (flag == "--source") {
    stream.source_language = args.value(flag);
  } else if (flag == "--target") {
    stream.target_language = args.value(flag);
  } else if (flag == "--voice") {
    stream.voice_profile = args.value(flag);
  } else if (flag == "--domain") {
    stream.domain_hints.push_back(args.value(flag));
  } else if (flag == "--max-inflight") {
    stream.max_inflight = static_cast<int>(args.integer(flag, 1, 10));
  } else if (flag == "--timeout-ms") {
    stream.timeout_ms = static_cast<int>(args.integer(flag, 1000, 30000));
  } else {
    return false;
  }
  return true;
}

inline constexpr const char* kStreamFlagsHelp =
    "  --source LANG        spoken language (default en)\n"
    "  --target LANG        dubbed language (default es)\n"
    "  --voice PROFILE      voice profile (default: the target language's default)\n"
    "  --domain NAME        domain hint for ASR (sports, news, telephony); repeatable\n"
    "  --max-inflight N     fragments in flight, 1-10 (default 3; the server may grant fewer)\n"
    "  --timeout-ms N       per-fragment deadline, 1000-30000 (default 8000)\n";

// The CONNECT token: --token, else STS_API_KEY, the variable the server reads.
inline std::optional<std::string> token_from_env() {
  if (const char* key = std::getenv("STS_API_KEY"); key != nullptr && *key != '\0') return std::string(key);
  return std::nullopt;
}

}  // namespace sts::tools
