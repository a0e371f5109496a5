// Scriptable stand-ins for the three engines, for tests of the pipeline without models:
// each answers what the test scripted (a transcript, a translation, speech of a given
// length) or fails as scripted, and counts its calls.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "asr/engine.h"
#include "errors/error.h"
#include "translation/translator.h"
#include "tts/synthesizer.h"

namespace sts::fakes {

// What a fake does when called. Script it before the first call; calls may then come
// from any thread.
template <typename Answer>
class Script {
 public:
  explicit Script(Answer value) : outcome_(std::move(value)) {}

  void answer(Answer value) { outcome_ = std::move(value); }
  void fail(Error error) { outcome_ = tl::unexpected(std::move(error)); }
  // Each call throws std::runtime_error(what) instead of answering.
  void throw_error(std::string what) { thrown_ = std::move(what); }
  // Each call takes `wait` longer, stop token or not, as an engine stuck in a call would.
  void delay(std::chrono::milliseconds wait) { delay_ = wait; }
  // Runs as each call starts, on the caller's thread: to act mid-stage, such as
  // requesting the job's stop.
  void on_call(std::function<void()> action) { on_call_ = std::move(action); }
  int calls() const { return calls_.load(); }

 protected:
  tl::expected<Answer, Error> play() const {
    ++calls_;
    if (on_call_) on_call_();
    std::this_thread::sleep_for(delay_);
    if (thrown_) throw std::runtime_error(*thrown_);
    return outcome_;
  }

 private:
  tl::expected<Answer, Error> outcome_;
  std::optional<std::string> thrown_;
  std::chrono::milliseconds delay_{0};
  std::function<void()> on_call_;
  mutable std::atomic<int> calls_{0};
};

// Hears the scripted text, as one segment across the whole audio; hears English.
class FakeRecognizer final : public asr::Engine, public Script<std::string> {
 public:
  explicit FakeRecognizer(std::string transcript = "hello world") : Script<std::string>(std::move(transcript)) {}

  std::string_view name() const override { return "fake"; }
  std::string_view model() const override { return "fake-asr"; }
  const std::vector<std::string>& languages() const override { return languages_; }
  tl::expected<asr::Transcript, Error> recognize(const audio::PcmBuffer& pcm,
                                                 const asr::Request& request) const override;

 private:
  std::vector<std::string> languages_{"en"};
};

// Translates every sentence to the scripted text; knows English to Spanish.
class FakeTranslator final : public translation::Translator, public Script<std::string> {
 public:
  explicit FakeTranslator(std::string text = "hola mundo") : Script<std::string>(std::move(text)) {}

  std::string_view name() const override { return "fake"; }
  std::string_view model() const override { return "fake-mt"; }
  const std::vector<translation::LanguagePair>& pairs() const override { return pairs_; }
  tl::expected<std::vector<std::string>, Error> translate(const translation::Request& request) const override;

 private:
  std::vector<translation::LanguagePair> pairs_{translation::LanguagePair{"en", "es"}};
};

// Says anything as a tone of the scripted length, at kRateHz mono; speaks Spanish.
class FakeSynthesizer final : public tts::Synthesizer, public Script<std::chrono::milliseconds> {
 public:
  static constexpr int kRateHz = 22050;

  explicit FakeSynthesizer(std::chrono::milliseconds length = std::chrono::milliseconds(700))
      : Script<std::chrono::milliseconds>(length) {}

  std::string_view name() const override { return "fake"; }
  std::string_view model() const override { return "fake-tts"; }
  const std::vector<std::string>& languages() const override { return languages_; }
  tl::expected<tts::Speech, Error> synthesize(const tts::Request& request) const override;

 private:
  std::vector<std::string> languages_{"es"};
};

}  // namespace sts::fakes
