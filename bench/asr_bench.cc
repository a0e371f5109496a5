// ASR speed on the live format: each 6 s programme fragment (48 kHz stereo WAV) is
// converted to 16 kHz mono once, outside the clock, then decoded warm, first one at a
// time and then by N threads at once. Prints ms per 6 s fragment and the real-time
// factor per core; the target for the embedded default is <= 1000 ms per 6 s per core.
//
//   asr_bench [--engine NAME] [--model PATH] [--threads N] [--rounds N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "asr/registry.h"
#include "audio/codec.h"

namespace {

using namespace sts;
using Clock = std::chrono::steady_clock;

std::vector<audio::PcmBuffer> six_second_fragments() {
  std::vector<audio::PcmBuffer> fragments;
  for (int index = 0; index < 10; ++index) {  // fragment 10 is the 3.3 s tail
    char name[64];
    std::snprintf(name, sizeof name, "program/frag_%03d.wav", index);
    std::ifstream in(std::filesystem::path(STS_DATA_DIR) / name, std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    auto pcm = audio::decode_payload(bytes, {audio::AudioFormat::wav, 0, 0, 0});
    if (!pcm) throw std::runtime_error(std::string(name) + ": " + pcm.error().message);
    fragments.push_back(audio::convert(std::move(*pcm), asr::kSampleRateHz, 1));
  }
  return fragments;
}

double decode_ms(const asr::Engine& engine, const audio::PcmBuffer& fragment) {
  const auto started = Clock::now();
  const auto transcript = engine.recognize(fragment, {"en", {}, 0});
  if (!transcript) throw std::runtime_error(transcript.error().message);
  return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

void report(const char* label, std::vector<double> times, double wall_ms, int concurrent) {
  std::sort(times.begin(), times.end());
  double sum = 0;
  for (double time : times) sum += time;
  const double mean = sum / static_cast<double>(times.size());
  std::printf(
      "%-14s fragments %3zu  ms per 6 s fragment: mean %6.0f  median %6.0f  max %6.0f  "
      "| throughput %5.2f fragments/s, %6.0f ms of wall time per fragment per core\n",
      label, times.size(), mean, times[times.size() / 2], times.back(),
      static_cast<double>(times.size()) / (wall_ms / 1000), wall_ms * concurrent / static_cast<double>(times.size()));
}

}  // namespace

int main(int argc, char** argv) {
  asr::EngineSettings settings;
  int rounds = 2;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string_view arg = argv[index];
    if (arg == "--engine")
      settings.engine = argv[index + 1];
    else if (arg == "--model")
      settings.model_path = argv[index + 1];
    else if (arg == "--threads")
      settings.threads = std::stoi(argv[index + 1]);
    else if (arg == "--rounds")
      rounds = std::stoi(argv[index + 1]);
  }
  settings.concurrency = 2;
  const auto load_started = Clock::now();
  const auto engine = asr::make_engine(settings);
  std::printf("%s: loaded in %.0f ms (2 decoders)\n", std::string(engine->model()).c_str(),
              std::chrono::duration<double, std::milli>(Clock::now() - load_started).count());
  const auto fragments = six_second_fragments();
  decode_ms(*engine, fragments.front());  // warm caches and lazy allocations

  for (const int concurrent : {1, 2}) {
    std::vector<std::vector<double>> times(static_cast<std::size_t>(concurrent));
    const auto started = Clock::now();
    std::vector<std::thread> threads;
    for (int thread = 0; thread < concurrent; ++thread) {
      threads.emplace_back([&, thread] {
        for (int round = 0; round < rounds; ++round) {
          for (const auto& fragment : fragments)
            times[static_cast<std::size_t>(thread)].push_back(decode_ms(*engine, fragment));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    const double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    std::vector<double> all;
    for (const auto& per_thread : times) all.insert(all.end(), per_thread.begin(), per_thread.end());
    report(concurrent == 1 ? "1 at a time" : "2 concurrent", all, wall_ms, concurrent);
  }
  return 0;
}
