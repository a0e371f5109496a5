// The engines this build has, by the name ASR_ENGINE selects.
#pragma once

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

std::vector<std::string> engine_names();
// Throws sts::StartupError for an unknown engine or a model that does not load.
std::unique_ptr<Engine> make_engine(const EngineSettings& settings);

}  // namespace sts::asr
