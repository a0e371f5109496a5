// Wire payloads to PCM and back, in memory, with the FFmpeg libraries for the
// containers and AAC, and swresample for rate and channel conversion.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "audio/format.h"
#include "audio/pcm.h"

namespace sts::audio {

struct DecodeError {
  // malformed: not the declared format at all (docs/protocol.md INVALID_FRAGMENT);
  // unusable: the container is fine but yields no usable audio (INVALID_AUDIO).
  enum class Kind { malformed, unusable } kind = Kind::malformed;
  std::string message;
};

struct DeclaredAudio {
  AudioFormat format = AudioFormat::pcm_s16le;
  int sample_rate_hz = 0;
  int channels = 0;
  std::int64_t duration_ms = 0;  // 0: unknown
};

// The payload at its own rate and channel count: self-describing payloads (wav,
// m4a) win over the declaration, raw PCM has only the declaration. Decoded AAC is
// trimmed to the declared duration (encoder padding), never extended.
tl::expected<PcmBuffer, DecodeError> decode_payload(std::span<const std::uint8_t> bytes, const DeclaredAudio& declared);

// `pcm` converted to `sample_rate_hz` and `channels` (down-mix or up-mix by
// FFmpeg's standard matrices). Returns the input unchanged when it already matches.
PcmBuffer convert(PcmBuffer pcm, int sample_rate_hz, int channels);

// `pcm` in the wire format: raw PCM, a 16-bit WAV, or for m4a a self-contained MP4
// with AAC-LC. `pcm` must already have the stream's rate and channel count.
tl::expected<std::vector<std::uint8_t>, std::string> encode_payload(const PcmBuffer& pcm, AudioFormat format);

}  // namespace sts::audio
