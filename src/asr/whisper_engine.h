// The `whisper` ASR engine: whisper.cpp with one ggml model loaded at start-up and
// shared by every stream. Concurrent recognize() calls share the weights and each
// borrow a decoder state (KV caches, compute buffers) from a small pool.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asr/engine.h"
#include "util/lending_pool.h"
#include "util/readiness.h"

struct whisper_context;
struct whisper_state;

namespace sts::asr {

struct WhisperSettings {
  std::string model_path;  // a whisper.cpp ggml model, e.g. ggml-base.bin
  int threads = 4;         // ggml threads per recognize() call
  bool use_gpu = false;    // only meaningful in a build with STS_WHISPER_CUDA
  // Decoder states: how many recognize() calls run at once; more wait for one. Each
  // state costs its KV caches and compute buffers (about 30 MB for base, 200 MB for
  // large), created on first need.
  int max_parallel = 2;
};

class WhisperEngine final : public Engine {
 public:
  // Loads the model and one decoder state. Throws sts::StartupError, naming the path,
  // when the file is missing, unreadable, not a whisper ggml model, or too big for
  // memory.
  explicit WhisperEngine(WhisperSettings settings);
  ~WhisperEngine() override;
  WhisperEngine(const WhisperEngine&) = delete;
  WhisperEngine& operator=(const WhisperEngine&) = delete;

  std::string_view name() const override { return "whisper"; }
  std::string_view model() const override { return model_name_; }  // the file name
  // Every language whisper knows for a multilingual model; "en" for an .en model.
  const std::vector<std::string>& languages() const override { return languages_; }
  util::PoolUsage pool_usage() const override { return pool_.usage(); }
  // Greedy decoding, segment timestamps on. Segment times are clamped to the audio
  // (whisper sees 30 s windows and may place a timestamp past the end);
  // confidence is the mean probability of the segment's text tokens.
  tl::expected<Transcript, sts::Error> recognize(const audio::PcmBuffer& pcm, const Request& request) const override;

 private:
  struct ContextDeleter {
    void operator()(whisper_context* context) const;
  };
  struct StateDeleter {
    void operator()(whisper_state* state) const;
  };
  using StatePool = util::LendingPool<whisper_state, StateDeleter>;

  StatePool::Item make_state() const;

  WhisperSettings settings_;
  std::unique_ptr<whisper_context, ContextDeleter> context_;  // the weights: read-only once loaded
  std::string model_name_;
  std::vector<std::string> languages_;

  // whisper_full_with_state on one state is not reentrant, so a state is lent to one
  // call at a time. Declared after context_: the states go before the weights they use.
  mutable StatePool pool_;
};

}  // namespace sts::asr
