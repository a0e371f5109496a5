// sts-load: loads an STS server with N concurrent worker streams of the test
// programme and reports what it measured (see --help). Text on stdout; --json FILE
// writes the same figures for comparing runs.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "../common/cli.h"
#include "worker/load.h"

namespace {

using namespace sts;
using tools::kAnswerMargin;
using tools::kExitFailed;
using tools::kExitUsage;

constexpr const char* kUsage =
    "usage: sts-load [options]\n"
    "\n"
    "Runs N concurrent streams (each its own connection) of the test programme's\n"
    "fragments, looped, against a server for a set time; reports per-stage and worker-seen\n"
    "latency P50/P95/P99, fragments/s, errors by code, and the server's CPU and memory.\n"
    "\n"
    "  --server URL         the STS server (default http://127.0.0.1:8000)\n"
    "  --streams N          concurrent streams, 1-100 (default 1)\n"
    "  --duration S         seconds of load, 1-3600 (default 60)\n"
    "  --realtime           each stream sends one fragment per fragment duration, as a live\n"
    "                       worker does (default: flat out, max-inflight at all times)\n"
    "  --payload NAME       pcm_s16le, pcm_f32le, wav, m4a (MP4) or m4a_adts (default: what\n"
    "                       the production worker sends as m4a)\n"
    "  --data DIR           the test data (default $STS_DATA_DIR, else the checkout's test-data)\n"
    "  --server-pid PID     also report the server's CPU %% and peak RSS from /proc\n"
    "  --json FILE          write every figure as JSON\n"
    "  --token KEY          CONNECT token (default: $STS_API_KEY)\n"
    "%s"
    "\n"
    "Exit status: 0 every stream ran to stream:complete; 1 a stream failed; 2 usage.\n";

struct Options {
  worker::LoadRequest load;
  std::string server = "http://127.0.0.1:8000";
  std::string json_path;
};

Options parse(int argc, char** argv) {
  Options options;
  options.load.token = tools::token_from_env();
  const char* data = std::getenv("STS_DATA_DIR");
  options.load.data_dir = data != nullptr ? data : STS_DEFAULT_DATA_DIR;
  tools::ArgReader args(argc, argv);
  while (!args.done()) {
    const std::string_view arg = args.next();
    if (arg == "-h" || arg == "--help") {
      std::printf(kUsage, tools::kStreamFlagsHelp);
      std::exit(0);
    } else if (arg == "--server") {
      options.server = args.value(arg);
    } else if (arg == "--streams") {
      options.load.streams = static_cast<int>(args.integer(arg, 1, 100));
    } else if (arg == "--duration") {
      options.load.duration = std::chrono::seconds(args.integer(arg, 1, 3600));
    } else if (arg == "--realtime") {
      options.load.realtime = true;
    } else if (arg == "--payload") {
      options.load.payload = args.value(arg);
    } else if (arg == "--data") {
      options.load.data_dir = args.value(arg);
    } else if (arg == "--server-pid") {
      options.load.server_pid = static_cast<int>(args.integer(arg, 1, 1 << 22));
    } else if (arg == "--json") {
      options.json_path = args.value(arg);
    } else if (arg == "--token") {
      options.load.token = args.value(arg);
    } else if (!tools::read_stream_flag(arg, args, options.load.worker.stream)) {
      throw tools::UsageError("unexpected argument " + std::string(arg));
    }
  }
  return options;
}

int run(Options options) {
  auto url = socketio::parse_server_url(options.server);
  if (!url) {
    std::cerr << "sts-load: " << url.error() << "\n";
    return kExitUsage;
  }
  options.load.url = std::move(*url);
  options.load.worker.answer_timeout = std::chrono::milliseconds(options.load.worker.stream.timeout_ms) + kAnswerMargin;
  std::cerr << "sts-load: " << options.load.streams << " streams for " << options.load.duration.count() / 1000
            << " s against " << options.load.url.text << "\n";
  const auto report = worker::run_load(options.load);
  if (!report) {
    std::cerr << "sts-load: " << report.error() << "\n";
    return kExitFailed;
  }
  std::cout << worker::load_text(options.load, *report);
  if (!options.json_path.empty()) {
    std::ofstream file(options.json_path);
    file << worker::load_json(options.load, *report).dump(2) << "\n";
    if (!file) {
      std::cerr << "sts-load: cannot write " << options.json_path << "\n";
      return kExitFailed;
    }
  }
  return report->stream_failures.empty() ? 0 : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  return tools::guarded_main("sts-load", [&] { return run(parse(argc, argv)); });
}
