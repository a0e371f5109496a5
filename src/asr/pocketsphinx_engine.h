// The embedded English default: CMU pocketsphinx with Debian's en-us models, no
// download. A pocketsphinx decoder is not thread-safe, so the engine keeps a pool of
// decoders, one per compute thread; a call borrows one for the whole utterance. The
// library cannot share a loaded acoustic model between decoders; the language model
// file is memory-mapped, so the pages behind it are shared all the same.
//
// Domain hints: each <domain>.txt in domains_dir (share/asr/domains ships sports,
// news and telephony) is a word list. Every decoder gets one extra search per list,
// whose language model interpolates the general en-us model (90 %) with a uniform
// unigram model over the list's words (10 %). A request whose domain_hints name a
// list is decoded with that search (the first hint that has a list wins); other
// requests use the general model.
#pragma once

#include <string>
#include <vector>

#include "asr/engine.h"
#include "util/lending_pool.h"
#include "util/readiness.h"

namespace sts::asr {

struct PocketsphinxSettings {
  std::string model_dir = "/usr/share/pocketsphinx/model/en-us";
  std::string domains_dir;  // word lists per domain hint: <domain>.txt; empty: no hints
  int decoders = 1;         // how many utterances can be decoded at once
};

class PocketsphinxEngine final : public Engine {
 public:
  explicit PocketsphinxEngine(const PocketsphinxSettings& settings);  // throws sts::StartupError
  ~PocketsphinxEngine() override;

  std::string_view name() const override { return "pocketsphinx"; }
  std::string_view model() const override { return model_; }
  const std::vector<std::string>& languages() const override { return languages_; }
  // The domain hints that change recognition: the lists that loaded.
  const std::vector<std::string>& domains() const { return domains_; }
  util::PoolUsage pool_usage() const override { return pool_.usage(); }
  tl::expected<Transcript, sts::Error> recognize(const audio::PcmBuffer& pcm, const Request& request) const override;

  struct Decoder;

 private:
  void add_domains(Decoder& decoder, const std::string& domains_dir);
  const char* search_for(const std::vector<std::string>& hints) const;

  std::string model_;
  std::vector<std::string> languages_{"en"};
  std::vector<std::string> domains_;
  mutable util::LendingPool<Decoder> pool_;  // all made up front, so that a model that cannot load fails at start-up
};

}  // namespace sts::asr
