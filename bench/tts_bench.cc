// Rate-aware synthesis on test-data/mt/en-es.tsv: for every pair, the English
// sentence spoken by espeak-ng at its default rate gives a target duration; the
// Spanish sentence is then synthesized for that target. Prints how far the Spanish
// lands from the target before any time-stretching (and, for comparison, at the
// default rate), and the synthesis time. Done when >= 90 % land within +-10 %.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tts/espeak_synthesizer.h"

namespace {

using namespace sts;

struct Pair {
  std::string english, spanish;
};

std::vector<Pair> read_pairs() {
  std::ifstream in(std::filesystem::path(STS_DATA_DIR) / "mt" / "en-es.tsv");
  std::vector<Pair> pairs;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, english, spanish;
    std::getline(fields, id, '\t');
    std::getline(fields, english, '\t');
    std::getline(fields, spanish, '\t');
    pairs.push_back({english, spanish});
  }
  return pairs;
}

double seconds(const tts::Speech& speech) {
  return static_cast<double>(speech.pcm.frames()) / speech.pcm.sample_rate_hz;
}

void report(const char* label, std::vector<double> ratios) {
  std::sort(ratios.begin(), ratios.end());
  const auto within = [&](double limit) {
    return 100.0 *
           static_cast<double>(
               std::count_if(ratios.begin(), ratios.end(), [&](double r) { return std::abs(r - 1) <= limit; })) /
           static_cast<double>(ratios.size());
  };
  auto at = [&](double q) { return ratios[static_cast<std::size_t>(q * static_cast<double>(ratios.size() - 1))]; };
  std::printf(
      "%-22s Spanish/target: p5 %.2f  p25 %.2f  median %.2f  p75 %.2f  p95 %.2f | within 3 %%: %5.1f %%, "
      "10 %%: %5.1f %%, 20 %%: %5.1f %%\n",
      label, at(0.05), at(0.25), at(0.5), at(0.75), at(0.95), within(0.03), within(0.10), within(0.20));
}

}  // namespace

int main() {
  const tts::EspeakSynthesizer espeak({});
  const auto pairs = read_pairs();
  std::vector<double> plain, aware, aware_ms;
  int failed = 0;
  for (const auto& pair : pairs) {
    const auto english = espeak.synthesize({pair.english, "en", {{"voice", "en"}}, 0});
    const auto spanish_plain = espeak.synthesize({pair.spanish, "es", {{"voice", "es"}}, 0});
    if (!english || !spanish_plain) {
      ++failed;
      continue;
    }
    const auto target_ms = static_cast<std::int64_t>(seconds(*english) * 1000);
    const auto started = std::chrono::steady_clock::now();
    const auto spanish = espeak.synthesize({pair.spanish, "es", {{"voice", "es"}}, target_ms});
    aware_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    if (!spanish) {
      ++failed;
      continue;
    }
    plain.push_back(seconds(*spanish_plain) * 1000 / static_cast<double>(target_ms));
    aware.push_back(seconds(*spanish) * 1000 / static_cast<double>(target_ms));
  }
  std::printf("espeak-ng: %zu pairs, %d failed to synthesize\n", pairs.size(), failed);
  report("default rate", plain);
  report("rate-aware", aware);
  std::sort(aware_ms.begin(), aware_ms.end());
  double sum = 0;
  for (double ms : aware_ms) sum += ms;
  std::printf("rate-aware synthesis time per sentence: mean %.1f ms, median %.1f ms, max %.1f ms\n",
              sum / static_cast<double>(aware_ms.size()), aware_ms[aware_ms.size() / 2], aware_ms.back());
  return failed == 0 ? 0 : 1;
}
