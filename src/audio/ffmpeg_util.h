// FFmpeg plumbing the audio component's files share: owning pointers for FFmpeg's
// objects, error text, in-memory byte streams and frame-to-PCM conversion. Internal to
// src/audio: its users see PcmBuffer and wire bytes, never FFmpeg types.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include "audio/pcm.h"

namespace sts::audio::ffmpeg {

inline constexpr int kIoBufferBytes = 64 * 1024;

// FFmpeg prints to stderr by default, which would interleave free text with the
// server's JSON log lines; every failure here returns its reason instead.
void silence_ffmpeg_log();

struct FormatInputCloser {
  void operator()(AVFormatContext* context) const { avformat_close_input(&context); }
};
struct FormatOutputFreer {
  void operator()(AVFormatContext* context) const { avformat_free_context(context); }
};
struct IoContextFreer {
  void operator()(AVIOContext* io) const {
    av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct PacketFreer {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct FrameFreer {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct ResamplerFreer {
  void operator()(SwrContext* swr) const { swr_free(&swr); }
};
using InputPtr = std::unique_ptr<AVFormatContext, FormatInputCloser>;
using OutputPtr = std::unique_ptr<AVFormatContext, FormatOutputFreer>;
using IoPtr = std::unique_ptr<AVIOContext, IoContextFreer>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using ResamplerPtr = std::unique_ptr<SwrContext, ResamplerFreer>;

std::string av_error_text(int code);

// A payload in memory as an FFmpeg byte stream, seekable, so any MP4 layout works.
struct MemoryReader {
  std::span<const std::uint8_t> bytes;
  std::int64_t position = 0;

  static int read(void* opaque, std::uint8_t* buffer, int size);
  static std::int64_t seek(void* opaque, std::int64_t offset, int whence);
};

// The output side: a growing buffer the MP4 muxer may seek back into (it writes
// the mdat size and the moov after the samples).
struct MemoryWriter {
  std::vector<std::uint8_t> bytes;
  std::int64_t position = 0;

  static int write(void* opaque, std::uint8_t* buffer, int size);
  static std::int64_t seek(void* opaque, std::int64_t offset, int whence);
};

AVChannelLayout default_layout(int channels);

// Appends `frame` to `pcm` as interleaved float at the frame's own rate and layout,
// creating the converter on the first frame; the reason when it cannot.
std::optional<std::string> append_frame(const AVFrame& frame, ResamplerPtr& resampler, PcmBuffer& pcm);

}  // namespace sts::audio::ffmpeg
