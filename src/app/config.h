// The server's configuration: one struct, filled from environment variables and then
// command-line flags (flags win), validated once at start-up. Every error names the
// variable or flag and what it accepts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "observability/log.h"
#include "pipeline/pipeline.h"
#include "protocol/voice_catalog.h"

namespace sts::app {

struct Config {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8000;
  std::string pipeline = "dub";
  std::optional<std::string> api_key;
  int max_inflight = 3;
  int fragment_timeout_ms = 8000;
  int backpressure_medium = 4;
  int backpressure_high = 7;
  int backpressure_max = 10;
  double duration_variance_success_max = 10;
  double duration_variance_partial_max = 20;
  double duration_speed_min = 0.85;
  double duration_speed_max = 1.35;
  int stream_close_delay_ms = 5000;
  int stream_resume_grace_ms = 30000;
  pipeline::FallbackMode fallback_mode = pipeline::FallbackMode::silence;
  std::string voice_profiles_path;      // empty: the built-in catalogue
  std::string web_root = STS_WEB_ROOT;  // the dashboard and try pages; empty: none
  std::string asr_engine = "pocketsphinx";
  std::string asr_model_path;  // empty: the engine's default
  std::string asr_domains_path = STS_SHARE_DIR "/asr/domains";
  int asr_threads = 1;
  std::string translation_engine = "apertium";
  std::string deepl_api_key;
  std::string deepl_api_url;
  std::optional<std::string> deepl_formality;
  std::optional<std::string> deepl_glossary_id;
  int translation_timeout_ms = 5000;
  std::string tts_engine = "espeak";
  std::string tts_url;
  int tts_timeout_ms = 10000;
  int stage_retries = 1;
  int stage_retry_backoff_ms = 200;
  observability::LogLevel log_level = observability::LogLevel::info;
  int network_threads = 2;
  int compute_threads = 0;  // 0: one per core
  std::int64_t max_payload_bytes = 50ll << 20;
  std::int64_t max_fragment_bytes = 10ll << 20;
  std::string affinity_cookie = "sts_affinity";
  int ping_interval_ms = 25000;
  int ping_timeout_ms = 10000;
  int shutdown_timeout_ms = 10000;
};

// Reads an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> process_env(const char* name);

struct ConfigRequest {
  bool help = false;
  Config config;
};

// `pipelines` are the names --pipeline may take.
tl::expected<ConfigRequest, std::string> load_config(const std::vector<std::string>& args, const EnvLookup& env,
                                                     const std::vector<std::string>& pipelines);
// `pipelines` as for load_config; every default shown is read from Config{}.
std::string config_help(const std::vector<std::string>& pipelines);

// What the configuration says about the fragment pipeline and the voices: the server
// and sts-dub --local build theirs from these, so both run the same pipeline.
pipeline::PipelineSettings pipeline_settings(const Config& config);
// The configured pipeline with its models loaded and engines started; the error is
// what MODEL_LOAD_FAILED reports: the engine and the path or variable at fault.
tl::expected<std::unique_ptr<pipeline::Pipeline>, std::string> build_pipeline(
    const Config& config, const pipeline::PipelineRegistry& pipelines);
tl::expected<protocol::VoiceCatalog, std::string> load_voice_catalog(const Config& config);

}  // namespace sts::app
