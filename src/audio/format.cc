#include "audio/format.h"

#include <array>
#include <cstring>

namespace sts::audio {
namespace {

constexpr std::array<std::pair<std::string_view, AudioFormat>, 4> kFormats{{
    {"pcm_s16le", AudioFormat::pcm_s16le},
    {"pcm_f32le", AudioFormat::pcm_f32le},
    {"wav", AudioFormat::wav},
    {"m4a", AudioFormat::m4a},
}};

std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

tl::unexpected<std::string> fail(std::string message) { return tl::unexpected(std::move(message)); }

// RIFF/WAVE: walk the chunks for "fmt " and "data". Sizes are checked against the
// payload before anything is read.
tl::expected<PayloadInfo, std::string> inspect_wav(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    return fail("wav payload does not start with a RIFF/WAVE header");
  }
  std::optional<PayloadInfo> format;
  std::size_t frame_bytes = 0;
  std::size_t offset = 12;
  while (offset + 8 <= bytes.size()) {
    const std::uint8_t* chunk = bytes.data() + offset;
    const std::size_t size = le32(chunk + 4);
    const std::size_t body = offset + 8;
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      if (size < 16 || body + 16 > bytes.size()) return fail("wav 'fmt ' chunk is truncated");
      const std::uint16_t codec = le16(chunk + 8);
      const int channels = le16(chunk + 10);
      const auto rate = static_cast<int>(le32(chunk + 12));
      const std::uint16_t block_align = le16(chunk + 20);
      if (codec != 1 && codec != 3 && codec != 0xFFFE)
        return fail("wav codec " + std::to_string(codec) + " is not PCM");
      if (channels < 1 || rate < 1 || block_align == 0)
        return fail("wav 'fmt ' chunk has zero channels, rate or block size");
      format = PayloadInfo{Container::wav, rate, channels, std::nullopt};
      frame_bytes = block_align;
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      if (!format) return fail("wav 'data' chunk comes before its 'fmt ' chunk");
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: the data runs to the end.
      const std::size_t available = bytes.size() - body;
      const std::size_t data_size = (size == 0 || size > available) ? available : size;
      format->frames = static_cast<std::int64_t>(data_size / frame_bytes);
      if (*format->frames == 0) return fail("wav payload has no audio frames");
      return *format;
    }
    offset = body + size + (size & 1);
  }
  return fail(format ? "wav payload has no 'data' chunk" : "wav payload has no 'fmt ' chunk");
}

// A box type as the error message may show it: the payload is the client's, and its
// bytes must not reach a JSON text frame unescaped.
std::string printable(std::string_view type) {
  std::string shown = "'";
  for (const char c : type) {
    if (c >= 0x20 && c < 0x7F) {
      shown += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(c);
      shown += std::string("\\x") + kHex[byte >> 4] + kHex[byte & 0x0F];
    }
  }
  return shown + "'";
}

std::uint64_t big_endian(const std::uint8_t* bytes, int count) {
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i) value = (value << 8) | bytes[i];
  return value;
}

// An MP4 decodes only with a complete 'moov' box (its sample tables), so its top-level
// boxes are walked up to one: a file cut before it, as a default-layout MP4 cut short
// is, has nothing to decode and is refused before the ack. A cut inside 'mdat' after a
// complete 'moov' is left to the decoder, which alone can tell how much audio is missing.
tl::expected<PayloadInfo, std::string> inspect_mp4(std::span<const std::uint8_t> bytes) {
  std::size_t offset = 0;
  while (bytes.size() - offset >= 8) {
    std::uint64_t size = big_endian(bytes.data() + offset, 4);
    const std::string_view type(reinterpret_cast<const char*>(bytes.data() + offset + 4), 4);
    std::uint64_t header = 8;
    if (size == 1) {
      if (bytes.size() - offset < 16) break;
      size = big_endian(bytes.data() + offset + 8, 8);
      header = 16;
    } else if (size == 0) {
      size = bytes.size() - offset;  // the box runs to the end of the file
    }
    if (size < header) return fail("MP4 box " + printable(type) + " has an invalid size");
    const bool complete = size <= bytes.size() - offset;
    if (type == "moov") {
      if (!complete) return fail("MP4 'moov' box is cut short: the payload is truncated");
      return PayloadInfo{Container::mp4, 0, 0, {}};
    }
    if (!complete) break;
    offset += size;
  }
  return fail("MP4 payload ends before its 'moov' box: truncated, or not a playable MP4");
}

// MP4 starts with a box whose type is "ftyp"; ADTS frames start with the 12-bit
// sync word 0xFFF and layer 0.
tl::expected<PayloadInfo, std::string> inspect_m4a(std::span<const std::uint8_t> bytes) {
  if (bytes.size() >= 8 && std::memcmp(bytes.data() + 4, "ftyp", 4) == 0) return inspect_mp4(bytes);
  if (bytes.size() >= 7 && bytes[0] == 0xFF && (bytes[1] & 0xF6) == 0xF0) {
    static constexpr std::array<int, 13> kRates{96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                22050, 16000, 12000, 11025, 8000,  7350};
    const std::size_t rate_index = (bytes[2] >> 2) & 0x0F;
    const int channels = ((bytes[2] & 0x01) << 2) | (bytes[3] >> 6);
    if (rate_index >= kRates.size()) return fail("ADTS header has an invalid sampling frequency index");
    return PayloadInfo{Container::adts, kRates[rate_index], channels, {}};
  }
  return fail("m4a payload is neither MP4 (no 'ftyp' box) nor an ADTS stream (no sync word)");
}

}  // namespace

tl::expected<PayloadInfo, std::string> inspect_raw_pcm(AudioFormat format, std::size_t bytes, int sample_rate_hz,
                                                       int channels) {
  if (bytes == 0) return fail("audio payload is empty");
  const std::size_t sample_bytes = format == AudioFormat::pcm_s16le ? 2 : 4;
  const std::size_t frame_bytes = sample_bytes * static_cast<std::size_t>(channels);
  if (bytes % frame_bytes != 0) {
    return fail(std::string(format_name(format)) + " payload of " + std::to_string(bytes) +
                " bytes is not a whole number of " + std::to_string(channels) + "-channel frames (" +
                std::to_string(frame_bytes) + " bytes each)");
  }
  return PayloadInfo{Container::raw_pcm, sample_rate_hz, channels, static_cast<std::int64_t>(bytes / frame_bytes)};
}

std::optional<AudioFormat> parse_audio_format(std::string_view name) {
  for (const auto& [text, format] : kFormats) {
    if (name == text) return format;
  }
  return std::nullopt;
}

std::string_view format_name(AudioFormat format) {
  for (const auto& [text, value] : kFormats) {
    if (value == format) return text;
  }
  return "unknown";
}

tl::expected<PayloadInfo, std::string> inspect_payload(AudioFormat format, std::span<const std::uint8_t> bytes,
                                                       int declared_sample_rate_hz, int declared_channels) {
  if (bytes.empty()) return fail("audio payload is empty");
  switch (format) {
    case AudioFormat::pcm_s16le:
    case AudioFormat::pcm_f32le:
      return inspect_raw_pcm(format, bytes.size(), declared_sample_rate_hz, declared_channels);
    case AudioFormat::wav: return inspect_wav(bytes);
    case AudioFormat::m4a: return inspect_m4a(bytes);
  }
  return fail("unknown audio format");
}

}  // namespace sts::audio
