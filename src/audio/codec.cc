#include "audio/codec.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include "audio/ffmpeg_util.h"
#include "audio/samples.h"

namespace sts::audio {
namespace {

using namespace ffmpeg;

// What any stage can be asked to handle: telephone to studio rates, up to 7.1.
constexpr int kMinSampleRate = 8000;
constexpr int kMaxSampleRate = 192000;
constexpr int kMaxChannels = 8;

// FFmpeg's native AAC encoder primes every stream with one frame of silence. MP4
// says so in its edit list and the demuxer drops it; a raw ADTS stream cannot say.
constexpr std::int64_t kAacPrimingFrames = 1024;

tl::unexpected<DecodeError> malformed(std::string message) {
  return tl::unexpected(DecodeError{DecodeError::Kind::malformed, std::move(message)});
}
tl::unexpected<DecodeError> unusable(std::string message) {
  return tl::unexpected(DecodeError{DecodeError::Kind::unusable, std::move(message)});
}

// Every frame of the opened stream, converted to interleaved float as it comes.
tl::expected<PcmBuffer, DecodeError> decode_stream(AVFormatContext& input, int stream_index, AVCodecContext& codec,
                                                   std::string_view what) {
  PcmBuffer pcm;
  ResamplerPtr resampler;
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  int decode_errors = 0;
  std::optional<std::string> failure;
  const auto drain = [&] {
    for (;;) {
      const int rc = avcodec_receive_frame(&codec, frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) {
        ++decode_errors;
        return;
      }
      failure = append_frame(*frame, resampler, pcm);
      av_frame_unref(frame.get());
      if (failure) return;
    }
  };
  int read_rc = 0;
  while (!failure && (read_rc = av_read_frame(&input, packet.get())) >= 0) {
    if (packet->stream_index == stream_index) {
      if (avcodec_send_packet(&codec, packet.get()) < 0) ++decode_errors;
      drain();
    }
    av_packet_unref(packet.get());
  }
  if (failure) return unusable(std::string(what) + " " + *failure);
  if (read_rc != AVERROR_EOF) {
    return malformed(std::string(what) + " payload is truncated or corrupt: " + av_error_text(read_rc));
  }
  avcodec_send_packet(&codec, nullptr);
  drain();
  if (failure) return unusable(std::string(what) + " " + *failure);
  if (pcm.frames() == 0) {
    return unusable(std::string(what) + " payload decoded to no audio" +
                    (decode_errors > 0 ? " (" + std::to_string(decode_errors) + " undecodable packets)" : ""));
  }
  return pcm;
}

// The length the stream's header states, in frames at `sample_rate_hz`; 0 when it states none.
std::int64_t stated_frames(const AVStream& stream, int sample_rate_hz) {
  if (stream.duration <= 0 || stream.time_base.den <= 0) return 0;
  return av_rescale_q(stream.duration, stream.time_base, AVRational{1, sample_rate_hz});
}

tl::expected<PcmBuffer, DecodeError> decode_container(std::span<const std::uint8_t> bytes, const char* demuxer,
                                                      std::string_view what) {
  MemoryReader reader{bytes, 0};
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferBytes));
  IoPtr io(avio_alloc_context(buffer, kIoBufferBytes, 0, &reader, &MemoryReader::read, nullptr, &MemoryReader::seek));
  if (!io) {
    av_free(buffer);
    return unusable("out of memory opening the " + std::string(what) + " payload");
  }
  AVFormatContext* raw_input = avformat_alloc_context();
  if (raw_input == nullptr) return unusable("out of memory opening the " + std::string(what) + " payload");
  raw_input->pb = io.get();
  raw_input->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (const int rc = avformat_open_input(&raw_input, nullptr, av_find_input_format(demuxer), nullptr); rc < 0) {
    return malformed(std::string(what) + " payload cannot be opened: " + av_error_text(rc));
  }
  InputPtr input(raw_input);
  // A raw ADTS stream states its parameters only in its frames, which the demuxer
  // reads here; MP4 has them all in the moov, so it skips this probe.
  if (std::string_view(demuxer) == "aac" && avformat_find_stream_info(input.get(), nullptr) < 0) {
    return malformed(std::string(what) + " payload has no readable AAC frames");
  }
  const AVCodec* decoder = nullptr;
  const int stream_index = av_find_best_stream(input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (stream_index < 0 || decoder == nullptr) {
    return unusable(std::string(what) + " payload has no decodable audio stream");
  }
  const AVStream& stream = *input->streams[stream_index];
  CodecPtr codec(avcodec_alloc_context3(decoder));
  if (!codec || avcodec_parameters_to_context(codec.get(), stream.codecpar) < 0 ||
      avcodec_open2(codec.get(), decoder, nullptr) < 0) {
    return unusable(std::string(what) + " audio codec cannot be opened");
  }

  auto pcm = decode_stream(*input, stream_index, *codec, what);
  if (!pcm) return pcm;
  // A container that states its length and delivers much less was cut short. (ADTS
  // states none: the demuxer's figure is a guess from the bit rate.)
  const std::int64_t stated = std::string_view(demuxer) == "aac" ? 0 : stated_frames(stream, pcm->sample_rate_hz);
  if (pcm->frames() + 2 * kAacPrimingFrames < stated) {
    return malformed(std::string(what) + " payload is truncated: " + std::to_string(pcm->frames()) + " of " +
                     std::to_string(stated) + " frames decoded");
  }
  return pcm;
}

PcmBuffer decode_raw(std::span<const std::uint8_t> bytes, const DeclaredAudio& declared) {
  PcmBuffer pcm{declared.sample_rate_hz, declared.channels, {}};
  if (declared.format == AudioFormat::pcm_s16le) {
    pcm.samples.resize(bytes.size() / 2);
    s16_to_float(bytes.data(), pcm.samples.data(), pcm.samples.size());
  } else {
    pcm.samples.resize(bytes.size() / 4);
    std::memcpy(pcm.samples.data(), bytes.data(), pcm.samples.size() * 4);
    // A client's floats may hold anything; NaN or infinity would poison every stage.
    for (float& sample : pcm.samples) {
      if (!std::isfinite(sample)) sample = 0;
    }
  }
  return pcm;
}

// ADTS carries no edit list: drop the encoder's priming frame ourselves, then cut
// the trailing padding to the declared length.
void trim_aac(PcmBuffer& pcm, Container container, std::int64_t declared_ms) {
  const auto channels = static_cast<std::size_t>(pcm.channels);
  if (container == Container::adts) {
    const auto priming = static_cast<std::size_t>(std::min(kAacPrimingFrames, pcm.frames())) * channels;
    pcm.samples.erase(pcm.samples.begin(), pcm.samples.begin() + static_cast<std::ptrdiff_t>(priming));
  }
  const std::int64_t wanted = declared_ms * pcm.sample_rate_hz / 1000;
  if (pcm.frames() > wanted) pcm.samples.resize(static_cast<std::size_t>(wanted) * channels);
}

void put_le16(std::uint8_t* at, std::uint32_t value) {
  at[0] = static_cast<std::uint8_t>(value);
  at[1] = static_cast<std::uint8_t>(value >> 8);
}
void put_le32(std::uint8_t* at, std::uint32_t value) {
  put_le16(at, value & 0xFFFF);
  put_le16(at + 2, value >> 16);
}

// `pcm` as 16-bit little-endian samples after `header_bytes` bytes left for a header.
std::vector<std::uint8_t> encode_s16(const PcmBuffer& pcm, std::size_t header_bytes = 0) {
  std::vector<std::uint8_t> out(header_bytes + pcm.samples.size() * 2);
  float_to_s16(pcm.samples.data(), out.data() + header_bytes, pcm.samples.size());
  return out;
}

// A canonical 44-byte RIFF/WAVE header over 16-bit PCM.
std::vector<std::uint8_t> encode_wav(const PcmBuffer& pcm) {
  constexpr std::size_t kHeaderBytes = 44;
  std::vector<std::uint8_t> out = encode_s16(pcm, kHeaderBytes);
  const auto data_bytes = static_cast<std::uint32_t>(out.size() - kHeaderBytes);
  const auto channels = static_cast<std::uint32_t>(pcm.channels);
  const auto rate = static_cast<std::uint32_t>(pcm.sample_rate_hz);
  std::uint8_t* header = out.data();
  std::memcpy(header, "RIFF", 4);
  put_le32(header + 4, 36 + data_bytes);
  std::memcpy(header + 8, "WAVEfmt ", 8);
  put_le32(header + 16, 16);
  put_le16(header + 20, 1);  // PCM
  put_le16(header + 22, channels);
  put_le32(header + 24, rate);
  put_le32(header + 28, rate * channels * 2);
  put_le16(header + 32, channels * 2);
  put_le16(header + 34, 16);
  std::memcpy(header + 36, "data", 4);
  put_le32(header + 40, data_bytes);
  return out;
}

// AAC-LC at `pcm`'s rate and channel count; FFmpeg's error code when it cannot open.
int open_aac_encoder(AVCodecContext& codec, const AVCodec* encoder, const PcmBuffer& pcm, bool global_header) {
  codec.sample_fmt = AV_SAMPLE_FMT_FLTP;
  codec.sample_rate = pcm.sample_rate_hz;
  codec.ch_layout = default_layout(pcm.channels);
  codec.bit_rate = 64000 * std::min(pcm.channels, 2);
  codec.profile = FF_PROFILE_AAC_LOW;
  codec.time_base = AVRational{1, pcm.sample_rate_hz};
  if (global_header) codec.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  // FFmpeg's defaults search hard for quality (154 ms per 6 s stereo here); a reply
  // is on the live path. The fast coder without the TNS, PNS, intensity and
  // mid/side searches takes 30 ms; 64 kbit/s per channel keeps speech clean
  // without them.
  av_opt_set(codec.priv_data, "aac_coder", "fast", 0);
  for (const char* tool : {"aac_tns", "aac_pns", "aac_is", "aac_ms"}) av_opt_set_int(codec.priv_data, tool, 0, 0);
  return avcodec_open2(&codec, encoder, nullptr);
}

// Moves every packet the encoder has ready into the muxer; FFmpeg's error code, or 0.
int write_packets(AVCodecContext& codec, AVFormatContext& output, const AVStream& stream, AVPacket& packet) {
  for (;;) {
    const int rc = avcodec_receive_packet(&codec, &packet);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return 0;
    if (rc < 0) return rc;
    av_packet_rescale_ts(&packet, codec.time_base, stream.time_base);
    packet.stream_index = stream.index;
    if (const int written = av_write_frame(&output, &packet); written < 0) return written;
  }
}

// The frames of `pcm` from `start`, as many as the encoder takes at once, in its planar layout.
bool fill_frame(AVFrame& frame, const AVCodecContext& codec, const PcmBuffer& pcm, std::int64_t start) {
  const auto channels = static_cast<std::size_t>(pcm.channels);
  frame.nb_samples = static_cast<int>(std::min<std::int64_t>(codec.frame_size, pcm.frames() - start));
  frame.format = AV_SAMPLE_FMT_FLTP;
  frame.sample_rate = pcm.sample_rate_hz;
  if (av_channel_layout_copy(&frame.ch_layout, &codec.ch_layout) < 0 || av_frame_get_buffer(&frame, 0) < 0) {
    return false;
  }
  for (std::size_t c = 0; c < channels; ++c) {
    auto* plane = reinterpret_cast<float*>(frame.extended_data[c]);
    const float* source = pcm.samples.data() + static_cast<std::size_t>(start) * channels + c;
    for (int i = 0; i < frame.nb_samples; ++i) plane[i] = source[static_cast<std::size_t>(i) * channels];
  }
  frame.pts = start;
  return true;
}

// All of `pcm` through the encoder into the muxer, the encoder flushed at the end.
tl::expected<void, std::string> encode_frames(const PcmBuffer& pcm, AVCodecContext& codec, AVFormatContext& output,
                                              const AVStream& stream) {
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  for (std::int64_t start = 0; start < pcm.frames(); start += codec.frame_size) {
    if (!fill_frame(*frame, codec, pcm, start)) return tl::unexpected(std::string("out of memory"));
    if (const int rc = avcodec_send_frame(&codec, frame.get()); rc < 0) return tl::unexpected(av_error_text(rc));
    av_frame_unref(frame.get());
    if (const int rc = write_packets(codec, output, stream, *packet); rc < 0) return tl::unexpected(av_error_text(rc));
  }
  avcodec_send_frame(&codec, nullptr);
  if (const int rc = write_packets(codec, output, stream, *packet); rc < 0) return tl::unexpected(av_error_text(rc));
  return {};
}

tl::expected<std::vector<std::uint8_t>, std::string> encode_m4a(const PcmBuffer& pcm) {
  const auto fail = [](std::string message) { return tl::unexpected("m4a encoding failed: " + std::move(message)); };
  const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (encoder == nullptr) return fail("no AAC encoder in this FFmpeg");
  // Declared before the muxer, so the muxer goes first: it points at them.
  MemoryWriter writer;
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferBytes));
  IoPtr io(avio_alloc_context(buffer, kIoBufferBytes, 1, &writer, nullptr, &MemoryWriter::write, &MemoryWriter::seek));
  if (!io) {
    av_free(buffer);
    return fail("out of memory");
  }
  AVFormatContext* raw_output = nullptr;
  if (avformat_alloc_output_context2(&raw_output, nullptr, "ipod", nullptr) < 0) return fail("no MP4 muxer");
  OutputPtr output(raw_output);
  output->pb = io.get();
  output->flags |= AVFMT_FLAG_CUSTOM_IO;

  CodecPtr codec(avcodec_alloc_context3(encoder));
  const bool global_header = (output->oformat->flags & AVFMT_GLOBALHEADER) != 0;
  if (const int rc = open_aac_encoder(*codec, encoder, pcm, global_header); rc < 0) return fail(av_error_text(rc));
  AVStream* stream = avformat_new_stream(output.get(), nullptr);
  if (stream == nullptr || avcodec_parameters_from_context(stream->codecpar, codec.get()) < 0) return fail("no stream");
  stream->time_base = codec->time_base;
  if (const int rc = avformat_write_header(output.get(), nullptr); rc < 0) return fail(av_error_text(rc));
  if (auto encoded = encode_frames(pcm, *codec, *output, *stream); !encoded) return fail(encoded.error());
  if (const int rc = av_write_trailer(output.get()); rc < 0) return fail(av_error_text(rc));
  avio_flush(io.get());
  return std::move(writer.bytes);
}

tl::expected<PcmBuffer, DecodeError> decode_container(std::span<const std::uint8_t> bytes, Container container,
                                                      std::int64_t declared_ms) {
  if (container == Container::wav) return decode_container(bytes, "wav", "wav");
  const bool mp4 = container == Container::mp4;
  auto pcm = decode_container(bytes, mp4 ? "mov" : "aac", mp4 ? "m4a (MP4)" : "m4a (ADTS)");
  if (pcm) trim_aac(*pcm, container, declared_ms);
  return pcm;
}

}  // namespace

tl::expected<PcmBuffer, DecodeError> decode_payload(std::span<const std::uint8_t> bytes,
                                                    const DeclaredAudio& declared) {
  silence_ffmpeg_log();
  auto info = inspect_payload(declared.format, bytes, declared.sample_rate_hz, declared.channels);
  if (!info) return malformed(info.error());
  if (info->container == Container::raw_pcm) return decode_raw(bytes, declared);
  auto pcm = decode_container(bytes, info->container, declared.duration_ms);
  // A header may claim any rate or channel count; later stages size buffers by them.
  if (pcm &&
      (pcm->sample_rate_hz < kMinSampleRate || pcm->sample_rate_hz > kMaxSampleRate || pcm->channels > kMaxChannels)) {
    return unusable("audio of " + std::to_string(pcm->channels) + " channels at " +
                    std::to_string(pcm->sample_rate_hz) + " Hz is outside " + std::to_string(kMinSampleRate) + "-" +
                    std::to_string(kMaxSampleRate) + " Hz, 1-" + std::to_string(kMaxChannels) + " channels");
  }
  return pcm;
}

PcmBuffer convert(PcmBuffer pcm, int sample_rate_hz, int channels) {
  if (pcm.sample_rate_hz == sample_rate_hz && pcm.channels == channels) return pcm;
  AVChannelLayout in_layout = default_layout(pcm.channels);
  AVChannelLayout out_layout = default_layout(channels);
  SwrContext* raw = nullptr;
  // rematrix_maxval 1: a down-mix averages the channels, so dual-mono broadcast
  // audio keeps its level and full-scale stereo cannot clip.
  if (swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_FLT, sample_rate_hz, &in_layout, AV_SAMPLE_FMT_FLT,
                          pcm.sample_rate_hz, 0, nullptr) < 0 ||
      av_opt_set_double(raw, "rematrix_maxval", 1.0, 0) < 0 || swr_init(raw) < 0) {
    swr_free(&raw);
    throw std::runtime_error("swresample cannot convert " + std::to_string(pcm.sample_rate_hz) + " Hz/" +
                             std::to_string(pcm.channels) + " ch to " + std::to_string(sample_rate_hz) + " Hz/" +
                             std::to_string(channels) + " ch");
  }
  ResamplerPtr resampler(raw);
  // Exactly the same duration at the new rate, so stages can count on lengths.
  const std::int64_t wanted = av_rescale_rnd(pcm.frames(), sample_rate_hz, pcm.sample_rate_hz, AV_ROUND_NEAR_INF);
  if (wanted + 256 > std::numeric_limits<int>::max() / std::max(channels, 1)) {
    throw std::runtime_error("conversion to " + std::to_string(sample_rate_hz) + " Hz would yield " +
                             std::to_string(wanted) + " frames");
  }
  const int capacity = static_cast<int>(wanted + 256);
  PcmBuffer out{sample_rate_hz, channels,
                std::vector<float>(static_cast<std::size_t>(capacity) * static_cast<std::size_t>(channels))};
  auto* destination = reinterpret_cast<std::uint8_t*>(out.samples.data());
  const auto* source = reinterpret_cast<const std::uint8_t*>(pcm.samples.data());
  const int produced = swr_convert(resampler.get(), &destination, capacity, &source, static_cast<int>(pcm.frames()));
  if (produced < 0) throw std::runtime_error("swresample failed: " + av_error_text(produced));
  auto* tail = reinterpret_cast<std::uint8_t*>(out.samples.data() +
                                               static_cast<std::size_t>(produced) * static_cast<std::size_t>(channels));
  swr_convert(resampler.get(), &tail, capacity - produced, nullptr, 0);
  out.samples.resize(static_cast<std::size_t>(wanted) * static_cast<std::size_t>(channels));
  return out;
}

tl::expected<std::vector<std::uint8_t>, std::string> encode_payload(const PcmBuffer& pcm, AudioFormat format) {
  if (pcm.channels < 1 || pcm.sample_rate_hz < 1) return tl::unexpected(std::string("no audio to encode"));
  silence_ffmpeg_log();
  switch (format) {
    case AudioFormat::pcm_s16le: return encode_s16(pcm);
    case AudioFormat::pcm_f32le: {
      std::vector<std::uint8_t> out(pcm.samples.size() * 4);
      std::memcpy(out.data(), pcm.samples.data(), out.size());
      return out;
    }
    case AudioFormat::wav: return encode_wav(pcm);
    case AudioFormat::m4a: return encode_m4a(pcm);
  }
  return tl::unexpected(std::string("unknown audio format"));
}

}  // namespace sts::audio
