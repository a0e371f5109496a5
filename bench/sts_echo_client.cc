// Load for the STS echo benchmark: N concurrent streams, each a websocket worker
// sending 6 s fragments (pcm_s16le, base64 in JSON) for a fixed time. Works against
// any server that speaks docs/protocol.md: ours, or the python-socketio yardstick.
//   saturated (default): each stream keeps `window` fragments in flight, so the
//     server runs flat out; latencies there are mostly queueing.
//   paced (--interval-ms N): each stream sends one fragment every N ms whatever is
//     in flight, as a live worker does; latencies there are what a worker sees.
// Before the scenarios, one unmeasured second at the most streams (--warmup-seconds).
// Prints one JSON object per scenario for bench/sts_echo.py: fragments/s, ack and
// processed latency, server CPU per fragment (from /proc/<pid>/stat).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "eio_websocket.h"
#include "util/base64.h"

using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string host = "127.0.0.1";
  std::string port;
  std::string label = "server";
  std::string audio_path;
  double seconds = 5.0;
  double warmup_seconds = 1.0;
  int window = 3;
  int interval_ms = 0;  // 0: saturated
  int server_pid = 0;
  std::vector<int> stream_counts{1, 3, 10};
};

struct Samples {
  std::vector<double> ack_ms;
  std::vector<double> processed_ms;
  std::size_t failures = 0;
};

// Servers put fragment_id first or just after the megabyte of audio: looking at the
// head, then back from the end, spares the client a scan of the whole frame.
std::string fragment_id_of(std::string_view frame) {
  constexpr std::string_view key = "\"fragment_id\"";
  auto at = frame.substr(0, 1024).find(key);
  if (at == std::string_view::npos) at = frame.rfind(key);
  if (at == std::string_view::npos) return {};
  at = frame.find('"', frame.find(':', at) + 1);
  const auto end = frame.find('"', at + 1);
  return std::string(frame.substr(at + 1, end - at - 1));
}

class StreamWorker {
 public:
  StreamWorker(const Args& args, int index, int streams)
      : args_(args),
        stream_id_("bench-" + std::to_string(index)),
        // Paced streams start spread over one interval, as independent workers would.
        phase_(std::chrono::milliseconds(args.interval_ms) * index / streams),
        ws_(args.host, args.port) {
    ws_.write_text(R"(42["stream:init",{"stream_id":")" + stream_id_ + R"(","worker_id":"bench","max_inflight":)" +
                   std::to_string(args.window) +
                   R"(,"config":{"source_language":"en","target_language":"es","voice_profile":"default",)"
                   R"("chunk_duration_ms":6000,"sample_rate_hz":48000,"channels":2,"format":"pcm_s16le"}}])");
    sts::bench::EioWebSocket::expect(ws_.read_text(), "42[\"stream:ready\"");
  }

  // A writer thread sends while this thread reads, so an ack is timed when it
  // arrives, not when the client is next free to read.
  void run(const std::string& audio_base64, Clock::time_point started, Clock::time_point deadline, Samples& samples) {
    const auto audio = ws_.prepare(audio_base64);
    std::mutex mutex;
    std::condition_variable room;
    std::map<std::string, Clock::time_point> sent;
    int in_flight = 0;
    std::thread writer([&] {
      const auto interval = std::chrono::milliseconds(args_.interval_ms);
      for (long sequence = 0;; ++sequence) {
        std::unique_lock lock(mutex);
        if (args_.interval_ms > 0) {
          // The schedule, not the server, decides when the next fragment goes out.
          room.wait_until(lock, std::min(deadline, started + phase_ + interval * sequence),
                          [&] { return Clock::now() >= deadline; });
        } else {
          room.wait_until(lock, deadline, [&] { return in_flight < args_.window; });
        }
        if (Clock::now() >= deadline) break;
        const std::string id = "f" + std::to_string(sequence);
        const std::string prefix = R"(42["fragment:data",{"fragment_id":")" + id + R"(","stream_id":")" + stream_id_ +
                                   R"(","sequence_number":)" + std::to_string(sequence) +
                                   R"(,"timestamp":1,"audio":{"format":"pcm_s16le","sample_rate_hz":48000,)"
                                   R"("channels":2,"duration_ms":6000,"data_base64":")";
        static constexpr std::string_view suffix = R"("}}])";
        ++in_flight;
        sent[id] = Clock::now();
        lock.unlock();
        ws_.write_text_parts(prefix, audio, suffix);
      }
      // stream:complete follows the last result, so the reader knows when to stop.
      ws_.write_text(R"(42["stream:end",{"stream_id":")" + stream_id_ + R"("}])");
    });
    for (;;) {
      const std::string_view frame = ws_.read_text();
      if (frame.starts_with("42[\"stream:complete\"")) break;
      const Clock::time_point now = Clock::now();
      const std::scoped_lock lock(mutex);
      const bool ack = frame.starts_with("42[\"fragment:ack\"");
      const bool processed = frame.starts_with("42[\"fragment:processed\"");
      const bool error = frame.starts_with("42[\"error\"");
      if (!ack && !processed && !error) continue;
      const auto it = sent.find(fragment_id_of(frame));
      if (it == sent.end()) continue;
      const double ms = std::chrono::duration<double, std::milli>(now - it->second).count();
      if (ack) {
        samples.ack_ms.push_back(ms);
        continue;
      }
      if (processed) samples.processed_ms.push_back(ms);
      if (error || frame.find("\"success\"") == std::string_view::npos) {
        std::cerr << args_.label << ": " << frame.substr(0, 200) << "\n";
        ++samples.failures;
      }
      sent.erase(it);
      --in_flight;
      room.notify_one();
    }
    writer.join();
    ws_.close();
  }

 private:
  const Args& args_;
  const std::string stream_id_;
  const Clock::duration phase_;
  sts::bench::EioWebSocket ws_;
};

double cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// `report`: false for the warm-up, whose figures are dropped.
void run(const Args& args, const std::string& audio_base64, int streams, bool report) {
  std::vector<std::unique_ptr<StreamWorker>> workers;
  for (int i = 0; i < streams; ++i) workers.push_back(std::make_unique<StreamWorker>(args, i, streams));
  Samples all;
  std::mutex mutex;
  const double cpu_before = cpu_seconds(args.server_pid);
  const auto started = Clock::now();
  const auto deadline =
      started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(args.seconds));
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      Samples mine;
      try {
        w->run(audio_base64, started, deadline, mine);
      } catch (const std::exception& error) {
        std::cerr << args.label << ": stream failed: " << error.what() << "\n";
        ++mine.failures;
      }
      const std::scoped_lock lock(mutex);
      all.ack_ms.insert(all.ack_ms.end(), mine.ack_ms.begin(), mine.ack_ms.end());
      all.processed_ms.insert(all.processed_ms.end(), mine.processed_ms.begin(), mine.processed_ms.end());
      all.failures += mine.failures;
    });
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  const double cpu_ms = (cpu_seconds(args.server_pid) - cpu_before) * 1000;
  const auto fragments = all.processed_ms.size();
  if (!report) return;
  std::printf(
      "{\"server\":\"%s\",\"streams\":%d,\"interval_ms\":%d,\"fragments\":%zu,\"failures\":%zu,\"fragments_per_s\":%."
      "1f,"
      "\"ack_p50_ms\":%.3f,\"ack_p99_ms\":%.3f,\"processed_p50_ms\":%.3f,\"processed_p99_ms\":%.3f,"
      "\"cpu_ms_per_fragment\":%.2f}\n",
      args.label.c_str(), streams, args.interval_ms, fragments, all.failures, static_cast<double>(fragments) / elapsed,
      percentile(all.ack_ms, 0.5), percentile(all.ack_ms, 0.99), percentile(all.processed_ms, 0.5),
      percentile(all.processed_ms, 0.99), fragments ? cpu_ms / static_cast<double>(fragments) : 0.0);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--port")
      args.port = value;
    else if (flag == "--host")
      args.host = value;
    else if (flag == "--label")
      args.label = value;
    else if (flag == "--audio")
      args.audio_path = value;
    else if (flag == "--seconds")
      args.seconds = std::stod(value);
    else if (flag == "--warmup-seconds")
      args.warmup_seconds = std::stod(value);
    else if (flag == "--window")
      args.window = std::stoi(value);
    else if (flag == "--interval-ms")
      args.interval_ms = std::stoi(value);
    else if (flag == "--server-pid")
      args.server_pid = std::stoi(value);
    else if (flag == "--streams") {
      args.stream_counts.clear();
      std::istringstream list(value);
      for (std::string item; std::getline(list, item, ',');) args.stream_counts.push_back(std::stoi(item));
    }
  }
  if (args.port.empty() || args.audio_path.empty()) {
    std::cerr << "usage: sts_echo_client --port N --audio frag.s16 [--streams 1,3,10] [--seconds S] [--window W]"
                 " [--interval-ms N] [--warmup-seconds S]"
                 " [--server-pid PID] [--label L]\n";
    return 2;
  }
  std::ifstream file(args.audio_path, std::ios::binary);
  const std::vector<std::uint8_t> audio((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::string audio_base64 = sts::util::base64_encode(audio);
  // A server that has just started is still growing its heap and caches; every
  // server gets the same unmeasured second of flat-out load first, at the most
  // streams, so the figures are its steady state.
  if (args.warmup_seconds > 0) {
    Args warmup = args;
    warmup.seconds = args.warmup_seconds;
    warmup.interval_ms = 0;
    warmup.window = 3;
    run(warmup, audio_base64, *std::max_element(args.stream_counts.begin(), args.stream_counts.end()), false);
  }
  for (const int streams : args.stream_counts) run(args, audio_base64, streams, true);
}
