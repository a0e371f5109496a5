// The `apertium` translator, the offline default: Debian's apertium with whatever
// language pairs are installed (apertium-eng-spa at least). No process per request:
// each pair keeps a few long-lived pipelines running in null-flush mode, where every
// \0-terminated input is translated and answered with a \0 at once. A call borrows a
// pipeline for its sentences; a pipeline that dies or overruns the call's deadline is
// killed, the call fails (retryable), and the next call that finds no idle pipeline
// starts a fresh one in its place.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "translation/translator.h"
#include "util/lending_pool.h"
#include "util/mutex.h"
#include "util/readiness.h"

namespace sts::translation {

struct ApertiumSettings {
  std::string modes_dir = "/usr/share/apertium/modes";  // <src>-<dst>.mode per installed pair
  int pipelines_per_pair = 1;                           // translations of one pair at once
};

// The ISO 639-1 code for an apertium language (ISO 639-3), or "" when unknown.
std::string iso639_1(std::string_view apertium_code);

class ApertiumTranslator final : public Translator {
 public:
  // Starts every pipeline. Throws sts::StartupError when no pair is installed or a
  // pipeline does not start.
  explicit ApertiumTranslator(const ApertiumSettings& settings);
  ~ApertiumTranslator() override;
  ApertiumTranslator(const ApertiumTranslator&) = delete;
  ApertiumTranslator& operator=(const ApertiumTranslator&) = delete;

  std::string_view name() const override { return "apertium"; }
  std::string_view model() const override { return "apertium"; }
  const std::vector<LanguagePair>& pairs() const override { return pairs_; }
  // Every pair's pipelines together.
  util::PoolUsage pool_usage() const override;
  tl::expected<std::vector<std::string>, sts::Error> translate(const Request& request) const override;

  // The process groups of the running pipelines: tests kill them to check recovery.
  std::vector<int> process_groups() const;

  class Pipeline;

 private:
  struct Pair {
    // Up to `pipelines` pipelines of `shell_command`; the pool starts one lazily only
    // to replace one that was killed.
    Pair(std::string shell_command, std::size_t pipelines);

    std::string command;  // the shell pipeline, from the pair's mode file
    // Every pipeline that exists, lent or idle, for process_groups(): the pool lends
    // them but cannot list them. Each pipeline enters and leaves it itself.
    util::Mutex mutex;
    std::vector<const Pipeline*> all STS_GUARDED_BY(mutex);
    // Declared last, so that its pipelines leave `all` before it goes.
    util::LendingPool<Pipeline> pool;
  };

  std::vector<LanguagePair> pairs_;
  std::map<LanguagePair, std::unique_ptr<Pair>> by_pair_;
};

}  // namespace sts::translation
