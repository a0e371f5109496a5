#include "protocol/acceptance.h"

#include "audio/format.h"
#include "util/base64.h"

namespace sts::protocol {

std::optional<Rejection> check_acceptance(const FragmentData& fragment, const StreamFacts& stream) {
  if (stream.server_draining) {
    return Rejection(ErrorCode::stream_ending_for_shutdown, "the server is shutting down; reconnect and resend");
  }
  if (stream.paused) return Rejection(ErrorCode::stream_paused, "stream is paused; send stream:resume first");
  if (!stream.accepting) {
    return Rejection(ErrorCode::stream_ending, "stream has ended; no new fragments are accepted");
  }
  if (fragment.data_base64.size() > util::base64_encoded_size(stream.max_fragment_bytes)) {
    return Rejection(ErrorCode::fragment_too_large,
                     "audio of about " + std::to_string(fragment.data_base64.size() / 4 * 3) +
                         " bytes exceeds the limit of " + std::to_string(stream.max_fragment_bytes) + " bytes");
  }
  if (fragment.format != stream.format) {
    return Rejection(ErrorCode::invalid_fragment, "audio.format '" + std::string(audio::format_name(fragment.format)) +
                                                      "' differs from the stream's format '" +
                                                      std::string(audio::format_name(stream.format)) + "'");
  }
  // Until the pipeline resamples, raw PCM must arrive as the stream declared it.
  if (audio::is_raw_pcm(fragment.format) &&
      (fragment.sample_rate_hz != stream.sample_rate_hz || fragment.channels != stream.channels)) {
    return Rejection(ErrorCode::invalid_fragment,
                     "raw PCM at " + std::to_string(fragment.sample_rate_hz) + " Hz, " +
                         std::to_string(fragment.channels) + " ch differs from the stream's " +
                         std::to_string(stream.sample_rate_hz) + " Hz, " + std::to_string(stream.channels) + " ch");
  }
  if (stream.pending_at_sequence) {
    return Rejection(ErrorCode::invalid_sequence, "sequence_number " + std::to_string(fragment.sequence_number) +
                                                      " is still pending as fragment " + *stream.pending_at_sequence);
  }
  if (!stream.retry && fragment.sequence_number <= stream.highest_delivered) {
    return Rejection(ErrorCode::invalid_sequence, "sequence_number " + std::to_string(fragment.sequence_number) +
                                                      " is not after " + std::to_string(stream.highest_delivered) +
                                                      ", which was already delivered");
  }
  return std::nullopt;
}

tl::expected<std::vector<std::uint8_t>, Rejection> vet_audio(FragmentData& fragment) {
  const bool raw_pcm = audio::is_raw_pcm(fragment.format);
  std::vector<std::uint8_t> audio;
  std::optional<std::size_t> size;
  if (raw_pcm) {
    size = util::base64_decoded_size(fragment.data_base64);
  } else if (auto decoded = util::base64_decode(fragment.data_base64)) {
    audio = std::move(*decoded);
    size = audio.size();
    fragment.data_base64 = std::string();
  }
  if (!size) return tl::unexpected(Rejection(ErrorCode::invalid_fragment, "audio.data_base64 is not valid base64"));
  const auto payload = raw_pcm
                           ? audio::inspect_raw_pcm(fragment.format, *size, fragment.sample_rate_hz, fragment.channels)
                           : audio::inspect_payload(fragment.format, audio, fragment.sample_rate_hz, fragment.channels);
  if (!payload) return tl::unexpected(Rejection(ErrorCode::invalid_fragment, payload.error()));
  return audio;
}

}  // namespace sts::protocol
