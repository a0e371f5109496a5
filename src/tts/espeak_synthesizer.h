// The `espeak` synthesizer, the offline default: libespeak-ng (Debian), no download.
//
// libespeak-ng keeps its whole state in globals (the voice, the rate, the output
// callback), so it must never be entered from two threads. The engine owns one
// thread that alone calls into the library, from espeak_Initialize to
// espeak_Terminate; synthesize() queues a job for it and waits for the answer (or
// for its deadline: a job that is no longer wanted leaves the queue, or is aborted from
// the callback when already started). The queue is bounded: a job that would wait behind
// too many others is refused at once rather than left to time out.
//
// Rate-aware synthesis: a first pass at the voice's rate measures how long the text
// takes; the rate is then scaled by that length over the target (speech time is
// close to inversely proportional to the rate) and, when still more than 3 % off, once
// more. Time-stretching then only trims the last few percent.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tts/synthesizer.h"

namespace sts::tts {

struct EspeakSettings {
  std::string data_path;  // espeak-ng-data's parent; empty: the library's default
};

class EspeakSynthesizer final : public Synthesizer {
 public:
  // Starts the library's thread. Throws StartupError when espeak-ng does not load.
  explicit EspeakSynthesizer(const EspeakSettings& settings);
  ~EspeakSynthesizer() override;
  EspeakSynthesizer(const EspeakSynthesizer&) = delete;
  EspeakSynthesizer& operator=(const EspeakSynthesizer&) = delete;

  std::string_view name() const override { return "espeak"; }
  std::string_view model() const override { return "espeak-ng"; }
  const std::vector<std::string>& languages() const override;
  // Voice keys: "voice" (an espeak voice name, e.g. "es+m3"; default: the request's
  // language) and "rate" (words per minute before rate-aware scaling, default 175).
  // With target_duration_ms 0 the voice's rate is kept. Metadata: tts_rate_wpm.
  tl::expected<Speech, Error> synthesize(const Request& request) const override;
  // Size 1, the library's thread; waiting: the jobs queued for it and not yet started.
  util::PoolUsage pool_usage() const override;

 private:
  class Worker;
  std::unique_ptr<Worker> worker_;
};

}  // namespace sts::tts
