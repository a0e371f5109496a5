// sts-asr-transcribe: runs one of the server's ASR engines over audio files and
// prints one sclite trn line per file ("text (uttid)"), as the WER test and
// benchmark score it. The audio goes through the server's own decode and 16 kHz mono
// conversion, and through the engine exactly as the pipeline calls it.
//
//   sts-asr-transcribe [--engine NAME] [--model PATH] [--threads N]
//                      [--domains DIR --hint DOMAIN] FILE.wav...
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "asr/registry.h"
#include "audio/codec.h"
#include "errors/error.h"

namespace {

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sts;
  asr::EngineSettings settings;
  std::vector<std::string> hints;
  std::vector<std::filesystem::path> files;
  for (int index = 1; index < argc; ++index) {
    const std::string_view arg = argv[index];
    const bool has_value = index + 1 < argc;
    if (arg == "--engine" && has_value)
      settings.engine = argv[++index];
    else if (arg == "--model" && has_value)
      settings.model_path = argv[++index];
    else if (arg == "--threads" && has_value)
      settings.threads = std::stoi(argv[++index]);
    else if (arg == "--domains" && has_value)
      settings.domains_dir = argv[++index];
    else if (arg == "--hint" && has_value)
      hints.emplace_back(argv[++index]);
    else
      files.emplace_back(arg);
  }
  if (files.empty()) {
    std::cerr << "usage: sts-asr-transcribe [--engine NAME] [--model PATH] [--threads N] [--domains DIR --hint "
                 "DOMAIN] FILE.wav...\n";
    return 2;
  }
  try {
    const auto engine = asr::make_engine(settings);
    double decode_ms = 0;
    double audio_ms = 0;
    for (const auto& path : files) {
      auto pcm = audio::decode_payload(read_file(path), {audio::AudioFormat::wav, 0, 0, 0});
      if (!pcm) {
        std::cerr << path.string() << ": " << pcm.error().message << "\n";
        return 1;
      }
      const auto heard = audio::convert(std::move(*pcm), asr::kSampleRateHz, 1);
      const auto started = std::chrono::steady_clock::now();
      auto transcript = engine->recognize(heard, {"en", hints, 0});
      decode_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      audio_ms += static_cast<double>(heard.duration_ms());
      if (!transcript) {
        std::cerr << path.string() << ": " << sts::wire_name(transcript.error().code) << ": "
                  << transcript.error().message << "\n";
        return 1;
      }
      std::cout << transcript->text() << " (" << path.stem().string() << ")\n";
    }
    std::cerr << engine->model() << ": decoded " << files.size() << " files, " << static_cast<long>(audio_ms)
              << " ms of audio, in " << static_cast<long>(decode_ms) << " ms (real-time factor " << decode_ms / audio_ms
              << ")\n";
  } catch (const sts::StartupError& error) {
    std::cerr << sts::wire_name(sts::ErrorCode::model_load_failed) << ": " << error.what() << "\n";
    return 1;
  }
  return 0;
}
