#include "fake_engines.h"

#include <cmath>
#include <cstddef>
#include <numbers>

namespace sts::fakes {

tl::expected<asr::Transcript, Error> FakeRecognizer::recognize(const audio::PcmBuffer& pcm,
                                                               const asr::Request& request) const {
  return play().map([&](std::string text) {
    asr::Transcript transcript;
    transcript.segments.push_back({request.offset_ms, request.offset_ms + pcm.duration_ms(), std::move(text), 0.9});
    return transcript;
  });
}

tl::expected<std::vector<std::string>, Error> FakeTranslator::translate(const translation::Request& request) const {
  return play().map([&](const std::string& text) { return std::vector<std::string>(request.sentences.size(), text); });
}

tl::expected<tts::Speech, Error> FakeSynthesizer::synthesize(const tts::Request&) const {
  return play().map([](std::chrono::milliseconds length) {
    tts::Speech speech;
    speech.pcm = {kRateHz, 1, std::vector<float>(static_cast<std::size_t>(length.count() * kRateHz / 1000))};
    for (std::size_t index = 0; index < speech.pcm.samples.size(); ++index) {
      const double phase = 2 * std::numbers::pi * 220 * static_cast<double>(index) / kRateHz;
      speech.pcm.samples[index] = static_cast<float>(0.3 * std::sin(phase));
    }
    return speech;
  });
}

}  // namespace sts::fakes
