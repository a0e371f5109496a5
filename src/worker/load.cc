#include "worker/load.h"

#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include "worker/socketio_transport.h"

namespace sts::worker {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<double> kQuantiles = {0.5, 0.95, 0.99};
constexpr std::chrono::milliseconds kUsageInterval{250};

struct ProgrammeFragment {
  std::int64_t start_ms = 0;
  std::int64_t duration_ms = 0;
  std::shared_ptr<const std::vector<std::uint8_t>> bytes;
};

struct Programme {
  std::vector<ProgrammeFragment> fragments;
  std::int64_t total_ms = 0;
  audio::AudioFormat format = audio::AudioFormat::m4a;
  int sample_rate_hz = 0;
  int channels = 0;
};

std::optional<std::vector<std::uint8_t>> read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

tl::expected<Programme, std::string> load_programme(const std::string& data_dir, const std::string& payload) {
  const std::string dir = data_dir + "/program/";
  const auto manifest_bytes = read_bytes(dir + "manifest.json");
  if (!manifest_bytes) return tl::unexpected("cannot read " + dir + "manifest.json");
  auto manifest = util::parse_json({reinterpret_cast<const char*>(manifest_bytes->data()), manifest_bytes->size()});
  if (!manifest) return tl::unexpected(dir + "manifest.json: " + manifest.error());
  Programme programme;
  const auto format = audio::parse_audio_format(payload == "m4a_adts" ? "m4a" : payload);
  if (!format) return tl::unexpected("no payload " + payload + ": use pcm_s16le, pcm_f32le, wav, m4a or m4a_adts");
  programme.format = *format;
  try {
    programme.sample_rate_hz = manifest->at("sample_rate_hz").get<int>();
    programme.channels = manifest->at("channels").get<int>();
    for (const auto& entry : manifest->at("fragments")) {
      const std::string file = entry.at("files").at(payload).at("file").get<std::string>();
      auto bytes = read_bytes(dir + file);
      if (!bytes) return tl::unexpected("cannot read " + dir + file);
      programme.fragments.push_back({entry.at("start_ms").get<std::int64_t>(),
                                     entry.at("duration_ms").get<std::int64_t>(),
                                     std::make_shared<const std::vector<std::uint8_t>>(std::move(*bytes))});
      programme.total_ms += programme.fragments.back().duration_ms;
    }
  } catch (const util::Json::exception& error) {
    return tl::unexpected(dir + "manifest.json: " + error.what());
  }
  if (programme.fragments.empty()) return tl::unexpected(dir + "manifest.json lists no fragments");
  return programme;
}

// Samples the server's resident memory through the run: its high-water mark covers
// its whole life, start-up included, not only the load.
class UsageWatcher {
 public:
  UsageWatcher(boost::asio::io_context& io, int pid) : pid_(pid), timer_(io) {
    if (pid_ > 0) first_ = read_process_usage(pid_);
    if (first_) sample();
  }
  void stop() {
    if (first_) last_ = read_process_usage(pid_);
    timer_.cancel();
  }
  std::optional<ServerUsage> usage(double wall_s) const {
    if (!first_ || !last_ || wall_s <= 0) return std::nullopt;
    return ServerUsage{(last_->cpu_seconds - first_->cpu_seconds) / wall_s * 100,
                       static_cast<double>(peak_rss_kb_) / 1024, static_cast<double>(last_->peak_kb) / 1024};
  }

 private:
  void sample() {
    if (const auto now = read_process_usage(pid_)) peak_rss_kb_ = std::max(peak_rss_kb_, now->rss_kb);
    timer_.expires_after(kUsageInterval);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) sample();
    });
  }

  const int pid_;
  boost::asio::steady_timer timer_;
  std::optional<ProcessUsage> first_;
  std::optional<ProcessUsage> last_;
  std::int64_t peak_rss_kb_ = 0;
};

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

WorkerOptions stream_options(const LoadRequest& request, const Programme& programme, int stream) {
  WorkerOptions options = request.worker;
  options.stream.stream_id = "load-" + std::to_string(stream);
  options.stream.worker_id = "sts-load";
  options.stream.format = programme.format;
  options.stream.sample_rate_hz = programme.sample_rate_hz;
  options.stream.channels = programme.channels;
  options.stream.chunk_duration_ms = programme.fragments.front().duration_ms;
  options.realtime = request.realtime;
  return options;
}

// The programme over and over, on one timeline, until the run's duration is up.
FragmentSource programme_source(const Programme& programme, const LoadRequest& request, Clock::time_point started,
                                const std::string& stream_id) {
  const auto count = programme.fragments.size();
  return [&programme, &request, started, count,
          id_prefix = stream_id + "-"](std::size_t index) -> std::optional<OutgoingFragment> {
    const ProgrammeFragment& piece = programme.fragments[index % count];
    const std::int64_t start_ms = static_cast<std::int64_t>(index / count) * programme.total_ms + piece.start_ms;
    // Paced streams send the duration's worth of audio; flat-out ones send until it has passed.
    if (request.realtime ? start_ms >= request.duration.count() : Clock::now() - started >= request.duration) {
      return std::nullopt;
    }
    return OutgoingFragment{id_prefix + std::to_string(index), start_ms,           piece.duration_ms, programme.format,
                            programme.sample_rate_hz,          programme.channels, piece.bytes};
  };
}

}  // namespace

tl::expected<LoadReport, std::string> run_load(const LoadRequest& request) {
  auto programme = load_programme(request.data_dir, request.payload);
  if (!programme) return tl::unexpected(programme.error());
  boost::asio::io_context io(1);
  LoadReport report;
  UsageWatcher watcher(io, request.server_pid);
  const auto started = Clock::now();
  auto ended = started;
  int running = request.streams;
  std::vector<std::unique_ptr<SocketIoTransport>> transports;
  std::vector<std::unique_ptr<StreamWorker>> workers;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> starts;
  for (int stream = 0; stream < request.streams; ++stream) {
    const WorkerOptions options = stream_options(request, *programme, stream);
    FragmentSource source = programme_source(*programme, request, started, options.stream.stream_id);
    transports.push_back(std::make_unique<SocketIoTransport>(io, request.url, request.token, options.ready_timeout));
    workers.push_back(std::make_unique<StreamWorker>(
        io, *transports.back(), options, std::move(source), report.stats, [](FragmentOutcome&) {},
        [&, stream](const WorkerResult& result) {
          if (result.ok) {
            ++report.streams_completed;
          } else {
            report.stream_failures.push_back("stream " + std::to_string(stream) + ": " + result.failure + " after " +
                                             std::to_string(result.delivered) + " fragments");
          }
          if (--running == 0) {
            ended = Clock::now();
            watcher.stop();
          }
        }));
    // Paced streams start spread over one chunk, as independent live workers would.
    starts.push_back(std::make_unique<boost::asio::steady_timer>(io));
    const auto phase = request.realtime
                           ? std::chrono::milliseconds(options.stream.chunk_duration_ms) * stream / request.streams
                           : std::chrono::milliseconds(0);
    starts.back()->expires_after(phase);
    starts.back()->async_wait([worker = workers.back().get()](boost::system::error_code ec) {
      if (!ec) worker->start();
    });
  }
  io.run();
  report.wall_s = std::chrono::duration<double>(ended - started).count();
  report.server = watcher.usage(report.wall_s);
  return report;
}

util::Json load_json(const LoadRequest& request, const LoadReport& report) {
  util::Json json = report.stats.to_json(kQuantiles);
  json["config"] = {{"server", request.url.text},
                    {"streams", request.streams},
                    {"duration_s", static_cast<double>(request.duration.count()) / 1000},
                    {"realtime", request.realtime},
                    {"payload", request.payload},
                    {"max_inflight", request.worker.stream.max_inflight},
                    {"timeout_ms", request.worker.stream.timeout_ms}};
  json["wall_s"] = report.wall_s;
  json["fragments_per_s"] = report.wall_s > 0 ? static_cast<double>(report.stats.fragments()) / report.wall_s : 0.0;
  json["streams_completed"] = report.streams_completed;
  json["stream_failures"] = report.stream_failures;
  if (report.server) {
    json["server"] = {{"pid", request.server_pid},
                      {"cpu_percent", report.server->cpu_percent},
                      {"rss_peak_mb", report.server->rss_peak_mb},
                      {"hwm_mb", report.server->hwm_mb}};
  }
  return json;
}

std::string load_text(const LoadRequest& request, const LoadReport& report) {
  const RunStats& stats = report.stats;
  const auto status = [&](const char* name) {
    const auto it = stats.fragments_by_status.find(name);
    return std::to_string(it == stats.fragments_by_status.end() ? 0 : it->second);
  };
  std::string text = "sts-load: " + std::to_string(request.streams) + " streams, " +
                     fixed(static_cast<double>(request.duration.count()) / 1000, 0) + " s, " +
                     (request.realtime ? "paced in real time" : "flat out") + ", " + request.payload + " to " +
                     request.url.text + "\n";
  text += "fragments: " + std::to_string(stats.fragments()) + " (" + status("success") + " success, " +
          status("partial") + " partial, " + status("failed") + " failed) in " + fixed(report.wall_s, 1) + " s, " +
          fixed(report.wall_s > 0 ? static_cast<double>(stats.fragments()) / report.wall_s : 0, 2) + " fragments/s; " +
          std::to_string(stats.retries) + " retries, " + std::to_string(stats.backpressure_events) +
          " backpressure events; lost " + std::to_string(stats.lost) + ", reordered " +
          std::to_string(stats.reordered) + "\n";
  text += "errors:";
  if (stats.errors_by_code.empty()) text += " none";
  for (const auto& [code, n] : stats.errors_by_code) text += " " + code + "=" + std::to_string(n);
  text += "\n" + stats.table(kQuantiles);
  if (report.server) {
    text += "server pid " + std::to_string(request.server_pid) + ": CPU " + fixed(report.server->cpu_percent, 1) +
            " % of one core, RSS peak " + fixed(report.server->rss_peak_mb, 1) + " MB (high-water mark " +
            fixed(report.server->hwm_mb, 1) + " MB)\n";
  }
  for (const auto& failure : report.stream_failures) text += failure + "\n";
  return text;
}

}  // namespace sts::worker
