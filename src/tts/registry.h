// The synthesizers this build has, by the name TTS_ENGINE selects.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tts/synthesizer.h"

namespace sts::tts {

struct EngineSettings {
  std::string engine = "espeak";
  std::string url;  // TTS_URL, for the http engine
  std::chrono::milliseconds timeout{10000};
  int concurrency = 1;
};

using EngineFactory = std::function<std::unique_ptr<Synthesizer>(const EngineSettings&)>;
// Every engine of this build, by the name TTS_ENGINE selects: the one list of names.
const std::map<std::string, EngineFactory, std::less<>>& registry();
std::vector<std::string> engine_names();  // registry()'s keys
// Throws StartupError, its message starting "TTS_ENGINE <name>: ", for an unknown engine
// or one that cannot start.
std::unique_ptr<Synthesizer> make_synthesizer(const EngineSettings& settings);

}  // namespace sts::tts
