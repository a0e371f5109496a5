// sts-dub: dubs a media file through an STS server (or the pipeline in-process with
// --local), streaming it as a live worker does. Progress on stderr, the summary on
// stdout. Run with --help for the options and exit statuses.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "../common/cli.h"
#include "app/config.h"
#include "worker/dub.h"
#include "worker/local_transport.h"
#include "worker/socketio_transport.h"

namespace {

using namespace sts;
using tools::kAnswerMargin;
using tools::kExitFailed;
using tools::kExitUsage;
using Clock = std::chrono::steady_clock;

constexpr int kExitIncomplete = 3;  // written, but some fragments failed and are silent

constexpr const char* kUsage =
    "usage: sts-dub INPUT -o OUTPUT [options]\n"
    "\n"
    "Dubs INPUT (wav, m4a, mp3, mp4, anything FFmpeg reads) into OUTPUT (.wav, .m4a, or\n"
    ".mp4: a video input keeps its video, with the dubbed track as its audio).\n"
    "\n"
    "  -o, --output FILE    where the dubbed file goes\n"
    "  --server URL         the STS server (default http://127.0.0.1:8000)\n"
    "  --local              run the dubbing pipeline in this process, no server; it reads\n"
    "                       the server's variables (ASR_ENGINE, TTS_ENGINE, ...)\n"
    "  --token KEY          CONNECT token for a server with STS_API_KEY (default: $STS_API_KEY)\n"
    "  --format FORMAT      wire format: m4a (default), wav, pcm_s16le, pcm_f32le\n"
    "  --chunk-ms N         fragment length, 1000-10000 ms (default 6000)\n"
    "  --realtime           send each fragment no sooner than a live worker would\n"
    "  --stream-id ID       stream id (default sts-dub-<pid>)\n"
    "%s"
    "\n"
    "Exit status: 0 every fragment dubbed; 3 written, but fragments that failed after\n"
    "retries are silent; 1 the server was lost, refused or failed the stream, or a file\n"
    "could not be read or written; 2 usage.\n";

struct Options {
  std::string input;
  std::string output;
  std::string server = "http://127.0.0.1:8000";
  std::optional<std::string> token = tools::token_from_env();
  bool local = false;
  worker::WorkerOptions worker;
};

Options parse(int argc, char** argv) {
  Options options;
  options.worker.stream.stream_id = "sts-dub-" + std::to_string(getpid());
  options.worker.stream.worker_id = "sts-dub";
  tools::ArgReader args(argc, argv);
  while (!args.done()) {
    const std::string_view arg = args.next();
    if (arg == "-h" || arg == "--help") {
      std::printf(kUsage, tools::kStreamFlagsHelp);
      std::exit(0);
    } else if (arg == "-o" || arg == "--output") {
      options.output = args.value(arg);
    } else if (arg == "--server") {
      options.server = args.value(arg);
    } else if (arg == "--token") {
      options.token = args.value(arg);
    } else if (arg == "--local") {
      options.local = true;
    } else if (arg == "--realtime") {
      options.worker.realtime = true;
    } else if (arg == "--chunk-ms") {
      options.worker.stream.chunk_duration_ms = args.integer(arg, 1000, 10000);
    } else if (arg == "--stream-id") {
      options.worker.stream.stream_id = args.value(arg);
    } else if (arg == "--format") {
      const std::string name = args.value(arg);
      const auto format = audio::parse_audio_format(name);
      if (!format) throw tools::UsageError("--format \"" + name + "\" is not one of m4a, wav, pcm_s16le, pcm_f32le");
      options.worker.stream.format = *format;
    } else if (tools::read_stream_flag(arg, args, options.worker.stream)) {
    } else if (!arg.starts_with('-') && options.input.empty()) {
      options.input = arg;
    } else {
      throw tools::UsageError("unexpected argument " + std::string(arg));
    }
  }
  if (options.input.empty() || options.output.empty()) throw tools::UsageError("INPUT and -o OUTPUT are required");
  return options;
}

// A bar redrawn in place on a terminal; whole lines anywhere else (logs, CI).
class ProgressView {
 public:
  ProgressView() : tty_(isatty(STDERR_FILENO) == 1), started_(Clock::now()) {}

  void update(const worker::DubProgress& progress) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const double eta =
        elapsed / static_cast<double>(progress.done) * static_cast<double>(progress.total - progress.done);
    std::string stages;
    for (const auto& [stage, ms] : progress.last.stage_timings) {
      if (stage == "asr" || stage == "translation" || stage == "tts") {
        stages += (stages.empty() ? "" : ", ") + stage + " " + std::to_string(static_cast<long>(ms + 0.5));
      }
    }
    const std::string outcome = progress.last.error_code.empty()
                                    ? std::string(pipeline::status_name(progress.last.status))
                                    : "failed (" + progress.last.error_code + ")";
    char line[256];
    if (tty_) {
      constexpr int kWidth = 30;
      const auto filled = static_cast<int>(kWidth * progress.done / progress.total);
      std::snprintf(line, sizeof line, "\r[%s%s] %zu/%zu fragments  ETA %3.0f s  last %s%s%s ms   ",
                    std::string(static_cast<std::size_t>(filled), '#').c_str(),
                    std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), progress.done, progress.total,
                    eta, outcome.c_str(), stages.empty() ? "" : ": ", stages.c_str());
      std::cerr << line << (progress.done == progress.total ? "\n" : "") << std::flush;
    } else {
      std::snprintf(line, sizeof line, "sts-dub: fragment %zu/%zu %s in %.0f ms%s%s%s, ETA %.0f s\n", progress.done,
                    progress.total, outcome.c_str(), progress.last.latency_ms, stages.empty() ? "" : " (",
                    stages.c_str(), stages.empty() ? "" : " ms)", eta);
      std::cerr << line << std::flush;
    }
  }

 private:
  const bool tty_;
  const Clock::time_point started_;
};

void print_summary(const Options& options, const worker::DubInput& input, const worker::DubReport& report) {
  const auto count = [&](const char* status) {
    const auto it = report.stats.fragments_by_status.find(status);
    return it == report.stats.fragments_by_status.end() ? std::size_t{0} : it->second;
  };
  const auto& pcm = input.media.pcm;
  std::printf("sts-dub: %s -> %s: %.3f s at %d Hz, %d ch%s\n", options.input.c_str(), options.output.c_str(),
              static_cast<double>(pcm.frames()) / pcm.sample_rate_hz, pcm.sample_rate_hz, pcm.channels,
              input.media.has_video ? ", with video" : "");
  std::printf("fragments: %zu of %zu: %zu success, %zu partial, %zu failed; %zu retries; %zu left silent\n",
              report.stats.fragments(), report.fragments, count("success"), count("partial"), count("failed"),
              report.stats.retries, report.silenced);
  if (!report.stats.errors_by_code.empty()) {
    std::printf("errors:");
    for (const auto& [code, n] : report.stats.errors_by_code) std::printf(" %s=%zu", code.c_str(), n);
    std::printf("\n");
  }
  std::printf("%s", report.stats.table({0.5, 0.95}).c_str());
}

// The in-process pipeline as the server would build it from the same variables.
struct LocalPipeline {
  std::unique_ptr<pipeline::Pipeline> pipeline;
  std::unique_ptr<pipeline::ComputePool> pool;
  std::optional<protocol::VoiceCatalog> catalog;
};

tl::expected<LocalPipeline, std::string> load_local_pipeline() {
  std::vector<std::string> names;
  const auto registry = pipeline::builtin_pipelines();
  for (const auto& [name, factory] : registry) names.push_back(name);
  auto request = app::load_config({}, app::process_env, names);
  if (!request) return tl::unexpected(request.error());
  // Engines log JSON lines on stderr; a person reading progress wants warnings only.
  observability::set_log_level(app::process_env("LOG_LEVEL") ? request->config.log_level
                                                             : observability::LogLevel::warning);
  auto catalog = app::load_voice_catalog(request->config);
  if (!catalog) return tl::unexpected("VOICE_PROFILES_PATH: " + catalog.error());
  auto built = app::build_pipeline(request->config, registry);
  if (!built) return tl::unexpected("MODEL_LOAD_FAILED: " + built.error());
  return LocalPipeline{
      std::move(*built),
      std::make_unique<pipeline::ComputePool>(static_cast<std::size_t>(request->config.compute_threads)),
      std::move(*catalog)};
}

int run(const Options& options) {
  auto input = worker::load_dub_input(options.input, options.worker.stream.format);
  if (!input) {
    std::cerr << "sts-dub: " << input.error() << "\n";
    return kExitFailed;
  }
  worker::WorkerOptions worker_options = options.worker;
  // Declared before the pipeline's pool: jobs post into it until the pool is joined.
  boost::asio::io_context io(1);
  std::optional<LocalPipeline> local;
  std::unique_ptr<worker::Transport> transport;
  if (options.local) {
    auto loaded = load_local_pipeline();
    if (!loaded) {
      std::cerr << "sts-dub: " << loaded.error() << "\n";
      return kExitFailed;
    }
    local = std::move(*loaded);
    transport = std::make_unique<worker::LocalTransport>(io, *local->pipeline, *local->pool, *local->catalog);
  } else {
    auto url = socketio::parse_server_url(options.server);
    if (!url) {
      std::cerr << "sts-dub: " << url.error() << "\n";
      return kExitUsage;
    }
    transport = std::make_unique<worker::SocketIoTransport>(io, *url, options.token, worker_options.ready_timeout);
    worker_options.answer_timeout = std::chrono::milliseconds(options.worker.stream.timeout_ms) + kAnswerMargin;
  }
  ProgressView view;
  const auto report = worker::run_dub(io, *transport, *input, options.output, worker_options,
                                      [&](const worker::DubProgress& progress) { view.update(progress); });
  if (!report.result.ok) {
    std::cerr << "sts-dub: " << report.result.failure;
    if (report.result.streamed)
      std::cerr << " after " << report.result.delivered << "/" << report.fragments << " fragments";
    std::cerr << "\n";
    return kExitFailed;
  }
  if (!report.result.note.empty()) std::cerr << "sts-dub: note: " << report.result.note << "\n";
  print_summary(options, *input, report);
  return report.silenced > 0 ? kExitIncomplete : 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tools::guarded_main("sts-dub", [&] { return run(parse(argc, argv)); });
}
