#include "audio/media_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string_view>

#include "audio/codec.h"
#include "audio/ffmpeg_util.h"

namespace sts::audio {
namespace {

using namespace ffmpeg;

std::string extension_of(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
  std::string extension = path.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

tl::unexpected<std::string> failure(const std::string& path, const std::string& what) {
  return tl::unexpected(path + ": " + what);
}

tl::expected<InputPtr, std::string> open_input(const std::string& path) {
  silence_ffmpeg_log();
  AVFormatContext* raw = nullptr;
  if (const int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); rc < 0) {
    return failure(path, "cannot open: " + av_error_text(rc));
  }
  InputPtr input(raw);
  if (const int rc = avformat_find_stream_info(input.get(), nullptr); rc < 0) {
    return failure(path, "cannot read its streams: " + av_error_text(rc));
  }
  return input;
}

// The video stream worth keeping: cover art in an mp3 or m4a is a "video" stream of
// one picture, not a video.
int video_stream_index(AVFormatContext& input) {
  const int index = av_find_best_stream(&input, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0 || (input.streams[index]->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0) return -1;
  return index;
}

tl::expected<void, std::string> write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) return failure(path, "cannot write");
  return {};
}

// Adds an output stream copying `source`'s codec parameters; the muxer picks the tag.
AVStream* copy_stream(AVFormatContext& output, const AVStream& source) {
  AVStream* stream = avformat_new_stream(&output, nullptr);
  if (stream == nullptr || avcodec_parameters_copy(stream->codecpar, source.codecpar) < 0) return nullptr;
  stream->codecpar->codec_tag = 0;
  stream->time_base = source.time_base;
  return stream;
}

// One input's packets of one stream, read ahead by one so two inputs can be merged
// in time order.
struct PacketSource {
  AVFormatContext* input = nullptr;
  int stream_index = -1;
  AVStream* output_stream = nullptr;
  PacketPtr packet{av_packet_alloc()};
  bool has_packet = false;
  int error = 0;

  // Reads the next packet of the stream; false at the end. A read error is not the
  // end: it leaves `error` set, so a cut-off input never becomes a short output.
  bool advance() {
    has_packet = false;
    int status = 0;
    while ((status = av_read_frame(input, packet.get())) >= 0) {
      if (packet->stream_index == stream_index) return has_packet = true;
      av_packet_unref(packet.get());
    }
    if (status != AVERROR_EOF) error = status;
    return false;
  }
  AVRational time_base() const { return input->streams[stream_index]->time_base; }
};

// Both sources' packets into `output` in time order; the reason when one cannot be
// read or written.
std::optional<std::string> interleave(AVFormatContext& output, PacketSource& video, PacketSource& audio) {
  video.advance();
  audio.advance();
  while (video.has_packet || audio.has_packet) {
    const bool video_first =
        !audio.has_packet || (video.has_packet && av_compare_ts(video.packet->dts, video.time_base(), audio.packet->dts,
                                                                audio.time_base()) <= 0);
    PacketSource& next = video_first ? video : audio;
    av_packet_rescale_ts(next.packet.get(), next.time_base(), next.output_stream->time_base);
    next.packet->stream_index = next.output_stream->index;
    next.packet->pos = -1;
    if (const int rc = av_interleaved_write_frame(&output, next.packet.get()); rc < 0) {
      return "cannot write: " + av_error_text(rc);
    }
    next.advance();
  }
  for (const PacketSource* source : {&video, &audio}) {
    if (source->error != 0) {
      return "cannot read the " + std::string(source == &video ? "video" : "dubbed audio") + ": " +
             av_error_text(source->error);
    }
  }
  return std::nullopt;
}

// An MP4 in memory, opened for demuxing; `reader` must outlive it.
struct MemoryInput {
  IoPtr io;
  InputPtr input;  // after io, so it is closed before the byte stream it reads
};

tl::expected<MemoryInput, std::string> open_memory_mp4(MemoryReader& reader) {
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferBytes));
  IoPtr io(avio_alloc_context(buffer, kIoBufferBytes, 0, &reader, &MemoryReader::read, nullptr, &MemoryReader::seek));
  if (!io) {
    av_free(buffer);
    return tl::unexpected(std::string("out of memory"));
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) return tl::unexpected(std::string("out of memory"));
  raw->pb = io.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (const int rc = avformat_open_input(&raw, nullptr, av_find_input_format("mov"), nullptr); rc < 0) {
    return tl::unexpected("the encoded track cannot be reopened: " + av_error_text(rc));
  }
  return MemoryInput{std::move(io), InputPtr(raw)};
}

}  // namespace

bool is_audio_only_path(const std::string& path) {
  const std::string extension = extension_of(path);
  return extension == "wav" || extension == "m4a";
}

tl::expected<MediaAudio, std::string> read_media_audio(const std::string& path) {
  auto input = open_input(path);
  if (!input) return tl::unexpected(input.error());
  const AVCodec* decoder = nullptr;
  const int stream_index = av_find_best_stream(input->get(), AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (stream_index < 0 || decoder == nullptr) return failure(path, "has no audio stream FFmpeg can decode");
  const AVStream& stream = *(*input)->streams[stream_index];
  CodecPtr codec(avcodec_alloc_context3(decoder));
  if (!codec || avcodec_parameters_to_context(codec.get(), stream.codecpar) < 0 ||
      avcodec_open2(codec.get(), decoder, nullptr) < 0) {
    return failure(path, "its audio codec cannot be opened");
  }
  MediaAudio media;
  media.has_video = video_stream_index(**input) >= 0;
  ResamplerPtr resampler;
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  std::optional<std::string> problem;
  const auto drain = [&] {
    while (!problem && avcodec_receive_frame(codec.get(), frame.get()) >= 0) {
      problem = append_frame(*frame, resampler, media.pcm);
      av_frame_unref(frame.get());
    }
  };
  int read_rc = 0;
  while (!problem && (read_rc = av_read_frame(input->get(), packet.get())) >= 0) {
    // A damaged packet costs a few milliseconds of audio, not the file.
    if (packet->stream_index == stream_index && avcodec_send_packet(codec.get(), packet.get()) >= 0) drain();
    av_packet_unref(packet.get());
  }
  if (problem) return failure(path, *problem);
  if (read_rc != AVERROR_EOF) return failure(path, "cannot be read to its end: " + av_error_text(read_rc));
  avcodec_send_packet(codec.get(), nullptr);
  drain();
  if (problem) return failure(path, *problem);
  if (media.pcm.frames() == 0) return failure(path, "has no audio");
  const std::string_view demuxer = (*input)->iformat->name;
  if (demuxer.find("mp4") != std::string_view::npos && stream.duration > 0) {
    const std::int64_t stated =
        av_rescale_q(stream.duration, stream.time_base, AVRational{1, media.pcm.sample_rate_hz});
    if (media.pcm.frames() > stated) {
      media.pcm.samples.resize(static_cast<std::size_t>(stated) * static_cast<std::size_t>(media.pcm.channels));
    }
  }
  return media;
}

tl::expected<void, std::string> write_audio_file(const std::string& path, const PcmBuffer& pcm) {
  const std::string extension = extension_of(path);
  AudioFormat format = AudioFormat::wav;
  if (extension == "m4a" || extension == "mp4") {
    format = AudioFormat::m4a;
  } else if (extension != "wav") {
    return failure(path, "audio goes to .wav, .m4a or .mp4 files");
  }
  auto bytes = encode_payload(pcm, format);
  if (!bytes) return failure(path, bytes.error());
  return write_bytes(path, *bytes);
}

tl::expected<void, std::string> write_with_video(const std::string& video_path, const PcmBuffer& pcm,
                                                 const std::string& path) {
  auto encoded = encode_payload(pcm, AudioFormat::m4a);
  if (!encoded) return failure(path, encoded.error());
  auto video_input = open_input(video_path);
  if (!video_input) return tl::unexpected(video_input.error());
  const int video_index = video_stream_index(**video_input);
  if (video_index < 0) return failure(video_path, "has no video stream");

  // The dubbed track, already encoded to MP4 in memory, is copied packet by packet
  // like the video: one encoder for replies and files, and its edit list (the AAC
  // priming) carries over.
  MemoryReader reader{*encoded, 0};
  auto track = open_memory_mp4(reader);
  if (!track) return failure(path, track.error());

  AVFormatContext* raw_output = nullptr;
  if (const int rc = avformat_alloc_output_context2(&raw_output, nullptr, nullptr, path.c_str()); rc < 0) {
    return failure(path, "no container for this extension: " + av_error_text(rc));
  }
  OutputPtr output(raw_output);
  PacketSource video{video_input->get(), video_index, copy_stream(*output, *(*video_input)->streams[video_index])};
  PacketSource audio{track->input.get(), 0, copy_stream(*output, *track->input->streams[0])};
  if (video.output_stream == nullptr || audio.output_stream == nullptr) return failure(path, "cannot add streams");
  if (const int rc = avio_open(&output->pb, path.c_str(), AVIO_FLAG_WRITE); rc < 0) {
    return failure(path, "cannot create: " + av_error_text(rc));
  }
  const auto close_file = [&] { avio_closep(&output->pb); };
  if (const int rc = avformat_write_header(output.get(), nullptr); rc < 0) {
    close_file();
    return failure(path, "cannot write the header: " + av_error_text(rc));
  }
  if (const auto problem = interleave(*output, video, audio)) {
    close_file();
    return failure(path, *problem);
  }
  const int rc = av_write_trailer(output.get());
  close_file();
  if (rc < 0) return failure(path, "cannot finish: " + av_error_text(rc));
  return {};
}

}  // namespace sts::audio
