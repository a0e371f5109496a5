#include "app/config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iterator>
#include <thread>

#include "socketio/http_util.h"

namespace sts::app {
namespace {

using Setter = std::function<tl::expected<void, std::string>(Config&, const std::string& value)>;
// A field's value as the flag would take it; empty when unset.
using Shower = std::function<std::string(const Config&)>;

struct Access {
  Setter set;
  Shower show;
};

// The help shows each default as show(Config{}), so the struct is the one place
// defaults are written; `unset_means` says what an empty default stands for.
struct Option {
  const char* env;
  const char* flag;
  std::string help;
  Access access;
  std::string unset_means = {};
};

template <typename T>
Access integer(T Config::*field, std::int64_t min, std::int64_t max) {
  return {[field, min, max](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            std::int64_t number = 0;
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
            if (error != std::errc() || end != value.data() + value.size() || number < min || number > max) {
              return tl::unexpected("an integer from " + std::to_string(min) + " to " + std::to_string(max));
            }
            config.*field = static_cast<T>(number);
            return {};
          },
          [field](const Config& config) {
            // Zero is "not set" for the counts whose default depends on the machine.
            return config.*field == 0 ? std::string() : std::to_string(config.*field);
          }};
}

Access decimal(double Config::*field, double min, double max, std::string allowed) {
  return {[field, min, max, allowed](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            char* end = nullptr;
            const double number = std::strtod(value.c_str(), &end);
            if (value.empty() || end != value.c_str() + value.size() || !(number >= min && number <= max)) {
              return tl::unexpected(allowed);
            }
            config.*field = number;
            return {};
          },
          [field](const Config& config) {
            std::string shown = std::to_string(config.*field);
            shown.erase(shown.find_last_not_of('0') + 1);
            if (shown.back() == '.') shown.pop_back();
            return shown;
          }};
}

Access percent(double Config::*field) { return decimal(field, 0, 1000, "a percentage from 0 to 1000"); }

Access text(std::string Config::*field) {
  return {[field](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            config.*field = value;
            return {};
          },
          [field](const Config& config) { return config.*field; }};
}

Access optional_text(std::optional<std::string> Config::*field) {
  return {[field](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            if (!value.empty()) config.*field = value;
            return {};
          },
          [field](const Config& config) { return (config.*field).value_or(""); }};
}

std::string join(const std::vector<std::string>& names, std::string_view separator) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : std::string(separator)) + name;
  return joined;
}

// A text field that takes one of `names`.
Access one_of(std::string Config::*field, std::vector<std::string> names) {
  return {[field, names](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            if (std::find(names.begin(), names.end(), value) == names.end()) return tl::unexpected(join(names, " | "));
            config.*field = value;
            return {};
          },
          [field](const Config& config) { return config.*field; }};
}

// A cookie name goes into a Set-Cookie header as it is: letters, digits, - and _ only.
Access cookie_name(std::string Config::*field) {
  return {[field](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            if (!socketio::is_base64url(value) || value.size() > 64) {
              return tl::unexpected(std::string("letters, digits, - and _ (up to 64), or empty"));
            }
            config.*field = value;
            return {};
          },
          [field](const Config& config) { return config.*field; }};
}

Access fallback_mode() {
  return {[](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            if (value == "silence")
              config.fallback_mode = pipeline::FallbackMode::silence;
            else if (value == "original")
              config.fallback_mode = pipeline::FallbackMode::original;
            else
              return tl::unexpected(std::string("silence | original"));
            return {};
          },
          [](const Config& config) {
            return std::string(config.fallback_mode == pipeline::FallbackMode::silence ? "silence" : "original");
          }};
}

Access deepl_formality() {
  return {[](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            for (const char* allowed : {"more", "less", "prefer_more", "prefer_less", "default"}) {
              if (value == allowed) {
                config.deepl_formality = value;
                return {};
              }
            }
            return tl::unexpected(std::string("more | less | prefer_more | prefer_less | default"));
          },
          [](const Config& config) { return config.deepl_formality.value_or(""); }};
}

Access log_level() {
  return {[](Config& config, const std::string& value) -> tl::expected<void, std::string> {
            const auto level = observability::parse_log_level(value);
            if (!level) return tl::unexpected(std::string("debug | info | warning | error"));
            config.log_level = *level;
            return {};
          },
          [](const Config& config) { return std::string(observability::log_level_name(config.log_level)); }};
}

std::vector<Option> server_and_stream_options(const std::vector<std::string>& pipelines) {
  return {
      {"HOST", "--host", "address to listen on", text(&Config::host)},
      {"PORT", "--port", "TCP port for Socket.IO and HTTP; 0 picks a free one", integer(&Config::port, 0, 65535)},
      {"STS_PIPELINE", "--pipeline", "fragment pipeline: " + join(pipelines, " | "),
       one_of(&Config::pipeline, pipelines)},
      {"STS_API_KEY", nullptr, "when set, CONNECT must carry {\"token\": key} (env only: flags show in ps)",
       optional_text(&Config::api_key)},
      {"MAX_INFLIGHT", "--max-inflight", "default max_inflight of a stream, 1 to 10",
       integer(&Config::max_inflight, 1, 10)},
      {"FRAGMENT_TIMEOUT_MS", "--fragment-timeout-ms", "default timeout_ms of a stream, 1000 to 30000",
       integer(&Config::fragment_timeout_ms, 1000, 30000)},
      {"BACKPRESSURE_MEDIUM", "--backpressure-medium", "in-flight count where medium/slow_down starts",
       integer(&Config::backpressure_medium, 1, 1000)},
      {"BACKPRESSURE_HIGH", "--backpressure-high", "in-flight count where high/pause starts",
       integer(&Config::backpressure_high, 1, 1000)},
      {"BACKPRESSURE_MAX", "--backpressure-max", "most fragments in flight per stream; beyond, BACKPRESSURE_EXCEEDED",
       integer(&Config::backpressure_max, 1, 1000)},
      {"DURATION_VARIANCE_SUCCESS_MAX", "--duration-variance-success-max", "percent variance still success",
       percent(&Config::duration_variance_success_max)},
      {"DURATION_VARIANCE_PARTIAL_MAX", "--duration-variance-partial-max", "percent variance still partial",
       percent(&Config::duration_variance_partial_max)},
      {"DURATION_SPEED_MIN", "--duration-speed-min",
       "slowest tempo for fitting dubbed speech; shorter speech is then padded",
       decimal(&Config::duration_speed_min, 0.5, 1, "a tempo from 0.5 to 1")},
      {"DURATION_SPEED_MAX", "--duration-speed-max", "fastest tempo for fitting dubbed speech",
       decimal(&Config::duration_speed_max, 1, 2, "a tempo from 1 to 2")},
      {"STREAM_CLOSE_DELAY_MS", "--stream-close-delay-ms", "delay from stream:complete to closing the connection",
       integer(&Config::stream_close_delay_ms, 0, 600000)},
      {"STREAM_RESUME_GRACE_MS", "--stream-resume-grace-ms",
       "how long a stream whose connection is gone keeps working for a reconnect; 0: cancelled at once",
       integer(&Config::stream_resume_grace_ms, 0, 600000)},
      {"FALLBACK_MODE", "--fallback-mode", "audio for no speech: silence | original", fallback_mode()},
      {"VOICE_PROFILES_PATH", "--voice-profiles", "voices.json to load", text(&Config::voice_profiles_path),
       "the built-in catalogue"},
      {"WEB_ROOT", "--web-root", "folder of the pages served at / and /try; empty: none", text(&Config::web_root)},
  };
}

std::vector<Option> engine_options() {
  return {
      {"ASR_ENGINE", "--asr-engine", "speech recognizer for pipeline asr: " + join(asr::engine_names(), " | "),
       one_of(&Config::asr_engine, asr::engine_names())},
      {"ASR_MODEL_PATH", "--asr-model", "model: a ggml file for whisper, a model folder for pocketsphinx",
       text(&Config::asr_model_path), "the engine's own (Debian's en-us for pocketsphinx)"},
      {"ASR_DOMAINS_PATH", "--asr-domains", "folder of <domain>.txt word lists that domain_hints select",
       text(&Config::asr_domains_path)},
      {"ASR_THREADS", "--asr-threads", "threads per decode, for engines that use more than one",
       integer(&Config::asr_threads, 1, 256)},
      {"TRANSLATION_ENGINE", "--translation-engine",
       "translator for pipeline dub: " + join(translation::engine_names(), " | "),
       one_of(&Config::translation_engine, translation::engine_names())},
      {"DEEPL_API_KEY", nullptr, "DeepL API key; one ending in :fx uses DeepL API Free (env only: flags show in ps)",
       text(&Config::deepl_api_key)},
      {"DEEPL_API_URL", "--deepl-api-url", "DeepL base URL", text(&Config::deepl_api_url),
       "DeepL's, chosen by the key"},
      {"DEEPL_FORMALITY", "--deepl-formality", "more | less | prefer_more | prefer_less", deepl_formality(), "DeepL's"},
      {"DEEPL_GLOSSARY_ID", "--deepl-glossary-id", "a DeepL glossary for the stream language pair",
       optional_text(&Config::deepl_glossary_id)},
      {"TRANSLATION_TIMEOUT_MS", "--translation-timeout-ms", "longest translation call",
       integer(&Config::translation_timeout_ms, 100, 60000)},
      {"TTS_ENGINE", "--tts-engine", "synthesizer for pipeline dub: " + join(tts::engine_names(), " | "),
       one_of(&Config::tts_engine, tts::engine_names())},
      {"TTS_URL", "--tts-url", "base URL of a Coqui TTS (XTTS v2) server, for TTS_ENGINE=http", text(&Config::tts_url)},
      {"TTS_TIMEOUT_MS", "--tts-timeout-ms", "longest synthesis call", integer(&Config::tts_timeout_ms, 100, 60000)},
      {"STS_STAGE_RETRIES", "--stage-retries",
       "times the server retries a stage that failed transiently (a service blip), within the fragment's deadline",
       integer(&Config::stage_retries, 0, 5)},
      {"STS_STAGE_RETRY_BACKOFF_MS", "--stage-retry-backoff-ms", "wait before each such retry",
       integer(&Config::stage_retry_backoff_ms, 0, 10000)},
  };
}

// Logging, threads, and the limits of the Socket.IO transport.
std::vector<Option> runtime_options() {
  return {
      {"LOG_LEVEL", "--log-level", "debug | info | warning | error", log_level()},
      {"NETWORK_THREADS", "--network-threads", "threads serving connections",
       integer(&Config::network_threads, 1, 256)},
      {"COMPUTE_THREADS", "--compute-threads", "threads running fragment jobs",
       integer(&Config::compute_threads, 1, 1024), "one per core"},
      {"MAX_PAYLOAD_BYTES", "--max-payload-bytes", "largest Socket.IO message",
       integer(&Config::max_payload_bytes, 1024, 1ll << 30)},
      {"MAX_FRAGMENT_BYTES", "--max-fragment-bytes", "largest decoded audio per fragment",
       integer(&Config::max_fragment_bytes, 1024, 1ll << 30)},
      {"STS_AFFINITY_COOKIE", "--affinity-cookie",
       "cookie set on every Engine.IO handshake to recognise a reconnecting worker; empty: none",
       cookie_name(&Config::affinity_cookie)},
      {"PING_INTERVAL_MS", "--ping-interval-ms", "Engine.IO ping interval",
       integer(&Config::ping_interval_ms, 100, 600000)},
      {"PING_TIMEOUT_MS", "--ping-timeout-ms", "Engine.IO pong deadline",
       integer(&Config::ping_timeout_ms, 100, 600000)},
      {"SHUTDOWN_TIMEOUT_MS", "--shutdown-timeout-ms", "on SIGTERM, longest wait for in-flight fragments",
       integer(&Config::shutdown_timeout_ms, 0, 600000)},
  };
}

// --help lists the options in this order, and docs/configuration.md is generated from it.
std::vector<Option> options(const std::vector<std::string>& pipelines) {
  std::vector<Option> all = server_and_stream_options(pipelines);
  std::ranges::move(engine_options(), std::back_inserter(all));
  std::ranges::move(runtime_options(), std::back_inserter(all));
  return all;
}

tl::expected<void, std::string> validate(const Config& config) {
  if (!(config.backpressure_medium < config.backpressure_high && config.backpressure_high <= config.backpressure_max)) {
    return tl::unexpected(std::string("BACKPRESSURE_MEDIUM < BACKPRESSURE_HIGH <= BACKPRESSURE_MAX must hold"));
  }
  if (config.duration_variance_success_max > config.duration_variance_partial_max) {
    return tl::unexpected(std::string("DURATION_VARIANCE_SUCCESS_MAX must not exceed DURATION_VARIANCE_PARTIAL_MAX"));
  }
  if (config.max_fragment_bytes * 4 / 3 + 65536 > config.max_payload_bytes) {
    return tl::unexpected(std::string("MAX_PAYLOAD_BYTES must leave room for a base64 fragment of MAX_FRAGMENT_BYTES"));
  }
  return {};
}

}  // namespace

std::optional<std::string> process_env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

tl::expected<ConfigRequest, std::string> load_config(const std::vector<std::string>& args, const EnvLookup& env,
                                                     const std::vector<std::string>& pipelines) {
  ConfigRequest request;
  const auto table = options(pipelines);
  for (const auto& option : table) {
    const auto value = env(option.env);
    if (!value) continue;
    if (auto set = option.access.set(request.config, *value); !set) {
      return tl::unexpected(std::string(option.env) + "=\"" + *value + "\" is invalid: expected " + set.error());
    }
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      request.help = true;
      return request;
    }
    const auto equals = arg.find('=');
    const std::string flag = arg.substr(0, equals);
    const Option* option = nullptr;
    for (const auto& candidate : table) {
      if (candidate.flag != nullptr && flag == candidate.flag) option = &candidate;
    }
    if (option == nullptr) return tl::unexpected("unknown option " + flag + " (see --help)");
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return tl::unexpected(flag + " needs a value");
    }
    if (auto set = option->access.set(request.config, value); !set) {
      return tl::unexpected(flag + " \"" + value + "\" is invalid: expected " + set.error());
    }
  }
  if (request.config.compute_threads == 0) {
    request.config.compute_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (auto valid = validate(request.config); !valid) return tl::unexpected(valid.error());
  return request;
}

std::string config_help(const std::vector<std::string>& pipelines) {
  std::string help = "usage: sts-server [options]\n\nEvery option is also an environment variable; flags win.\n\n";
  const Config defaults;
  for (const auto& option : options(pipelines)) {
    std::string names = option.flag ? std::string(option.flag) + " / " + option.env : option.env;
    std::string fallback = option.access.show(defaults);
    if (fallback.empty()) fallback = option.unset_means;
    help += "  " + names + "\n      " + option.help + (fallback.empty() ? "" : " (default: " + fallback + ")") + "\n";
  }
  return help;
}

pipeline::PipelineSettings pipeline_settings(const Config& config) {
  return {
      config.duration_variance_success_max,
      config.duration_variance_partial_max,
      config.fallback_mode,
      config.duration_speed_min,
      config.duration_speed_max,
      {config.asr_engine, config.asr_model_path, config.asr_domains_path, config.asr_threads, config.compute_threads},
      {config.translation_engine, config.deepl_api_key, config.deepl_api_url, config.deepl_formality,
       config.deepl_glossary_id, std::chrono::milliseconds(config.translation_timeout_ms), config.compute_threads},
      {config.tts_engine, config.tts_url, std::chrono::milliseconds(config.tts_timeout_ms), config.compute_threads},
      {config.stage_retries, std::chrono::milliseconds(config.stage_retry_backoff_ms)}};
}

tl::expected<std::unique_ptr<pipeline::Pipeline>, std::string> build_pipeline(
    const Config& config, const pipeline::PipelineRegistry& pipelines) {
  try {
    return pipelines.at(config.pipeline)(pipeline_settings(config));
  } catch (const StartupError& error) {
    return tl::unexpected(std::string(error.what()));
  }
}

tl::expected<protocol::VoiceCatalog, std::string> load_voice_catalog(const Config& config) {
  if (config.voice_profiles_path.empty()) return protocol::VoiceCatalog::builtin();
  return protocol::VoiceCatalog::from_file(config.voice_profiles_path);
}

}  // namespace sts::app
