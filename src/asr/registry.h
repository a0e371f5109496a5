// The engines this build has, by the name ASR_ENGINE selects.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "asr/engine.h"

namespace sts::asr {

struct EngineSettings {
  std::string engine = "pocketsphinx";
  std::string model_path;  // empty: the engine's default (whisper has none)
  std::string domains_dir;
  int threads = 1;      // per decode, where the engine can use more than one
  int concurrency = 1;  // decodes that may run at once: the compute pool's size
};

using EngineFactory = std::function<std::unique_ptr<Engine>(const EngineSettings&)>;
// Every engine of this build, by the name ASR_ENGINE selects: the one list of names.
const std::map<std::string, EngineFactory, std::less<>>& registry();
std::vector<std::string> engine_names();  // registry()'s keys
// Throws sts::StartupError for an unknown engine or a model that does not load.
std::unique_ptr<Engine> make_engine(const EngineSettings& settings);

}  // namespace sts::asr
