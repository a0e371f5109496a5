// The wire audio formats and a cheap structural check of a payload, done before a
// fragment is acknowledged: raw PCM must hold whole frames, a WAV must have a sane
// header, an m4a must be an MP4 or an ADTS stream. Decoding proper comes later, in
// the pipeline.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace sts::audio {

enum class AudioFormat { pcm_s16le, pcm_f32le, wav, m4a };

std::optional<AudioFormat> parse_audio_format(std::string_view name);
std::string_view format_name(AudioFormat format);
// Raw PCM carries no header: the declared rate and channels are the only truth.
constexpr bool is_raw_pcm(AudioFormat format) {
  return format == AudioFormat::pcm_s16le || format == AudioFormat::pcm_f32le;
}

enum class Container { raw_pcm, wav, mp4, adts };

struct PayloadInfo {
  Container container = Container::raw_pcm;
  // What the payload itself says (the declared values for raw PCM); 0 when a
  // container does not tell before decoding.
  int sample_rate_hz = 0;
  int channels = 0;
  // Frames per channel when the header tells; nullopt for compressed audio.
  std::optional<std::int64_t> frames;
};

// `declared_*` come from the fragment. The error names what is wrong in words a
// worker's log can show.
tl::expected<PayloadInfo, std::string> inspect_payload(AudioFormat format, std::span<const std::uint8_t> bytes,
                                                       int declared_sample_rate_hz, int declared_channels);
// The same check for raw PCM, which needs only the payload's size: it can vet a
// payload still in base64.
tl::expected<PayloadInfo, std::string> inspect_raw_pcm(AudioFormat format, std::size_t bytes, int sample_rate_hz,
                                                       int channels);

}  // namespace sts::audio
