// sts-translate: runs one of the server's translators over text, one request per
// input line, as the pipeline calls it for one fragment's transcript. Prints one
// translation per line; the time per request goes to stderr. The MT benchmark
// (bench/mt_bleu.py) scores its output.
//
//   sts-translate [--engine apertium|deepl] [--from en] [--to es] [--repeat N] < lines
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "errors/error.h"
#include "observability/log.h"
#include "translation/registry.h"

int main(int argc, char** argv) {
  using namespace sts;
  observability::set_log_level(observability::LogLevel::warning);  // stderr carries the timing
  translation::EngineSettings settings;
  std::string source = "en", target = "es";
  int repeat = 1;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string_view arg = argv[index];
    if (arg == "--engine")
      settings.engine = argv[index + 1];
    else if (arg == "--from")
      source = argv[index + 1];
    else if (arg == "--to")
      target = argv[index + 1];
    else if (arg == "--repeat")
      repeat = std::max(1, std::stoi(argv[index + 1]));
  }
  if (const char* key = std::getenv("DEEPL_API_KEY")) settings.deepl_api_key = key;
  if (const char* url = std::getenv("DEEPL_API_URL")) settings.deepl_api_url = url;
  std::vector<std::string> lines;
  for (std::string line; std::getline(std::cin, line);) lines.push_back(line);
  try {
    const auto translator = translation::make_translator(settings);
    std::vector<double> times;
    for (int round = 0; round < repeat; ++round) {
      for (const auto& line : lines) {
        const auto started = std::chrono::steady_clock::now();
        auto translated = translator->translate({{line}, source, target, {}, {}, std::chrono::milliseconds(10000)});
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
        if (!translated) {
          std::cerr << sts::wire_name(translated.error().code) << ": " << translated.error().message << "\n";
          return 1;
        }
        if (round == 0) std::cout << translated->front() << "\n";
      }
    }
    std::sort(times.begin(), times.end());
    double sum = 0;
    for (double time : times) sum += time;
    std::cerr << translator->model() << ": " << times.size() << " requests, ms per request: mean "
              << (times.empty() ? 0 : sum / static_cast<double>(times.size())) << ", median "
              << (times.empty() ? 0 : times[times.size() / 2]) << ", max " << (times.empty() ? 0 : times.back())
              << "\n";
  } catch (const sts::StartupError& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
  return 0;
}
