// The container decoder as a fragment reaches it: the first byte picks the declared
// format, the rest is the payload. Whatever decodes is encoded again in that format.
#include <cstddef>
#include <cstdint>
#include <span>

#include "audio/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace audio = sts::audio;
  if (size < 1) return 0;
  static constexpr audio::AudioFormat kFormats[] = {audio::AudioFormat::pcm_s16le, audio::AudioFormat::pcm_f32le,
                                                    audio::AudioFormat::wav, audio::AudioFormat::m4a};
  const audio::AudioFormat format = kFormats[data[0] % 4];
  const std::span<const std::uint8_t> payload(data + 1, size - 1);
  auto pcm = audio::decode_payload(payload, {format, 48000, 2, 1000});
  // Bounded so one input cannot spend the run encoding a long (if valid) stream.
  if (pcm && pcm->frames() <= 48000 && pcm->sample_rate_hz <= 192000 && pcm->channels <= 8) {
    (void)audio::encode_payload(*pcm, format);
  }
  return 0;
}
