#include "audio/ffmpeg_util.h"

#include <algorithm>
#include <array>
#include <cstring>

extern "C" {
#include <libavutil/mem.h>
}

namespace sts::audio::ffmpeg {
namespace {

// FFmpeg's seek callback over a buffer of `size` bytes: the new position, or an
// error. A writer may seek past the end (the gap is filled when written).
std::int64_t seek_target(std::int64_t& position, std::int64_t size, std::int64_t offset, int whence, bool past_end_ok) {
  if (whence & AVSEEK_SIZE) return size;
  std::int64_t target = offset;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET: break;
    case SEEK_CUR: target += position; break;
    case SEEK_END: target += size; break;
    default: return AVERROR(EINVAL);
  }
  if (target < 0 || (!past_end_ok && target > size)) return AVERROR(EINVAL);
  position = target;
  return target;
}

}  // namespace

void silence_ffmpeg_log() {
  static const bool silenced = [] {
    av_log_set_level(AV_LOG_QUIET);
    return true;
  }();
  (void)silenced;
}

std::string av_error_text(int code) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
  av_strerror(code, text.data(), text.size());
  return text.data();
}

int MemoryReader::read(void* opaque, std::uint8_t* buffer, int size) {
  auto& self = *static_cast<MemoryReader*>(opaque);
  const auto remaining = static_cast<std::int64_t>(self.bytes.size()) - self.position;
  if (remaining <= 0) return AVERROR_EOF;
  const auto count = static_cast<int>(std::min<std::int64_t>(remaining, size));
  std::memcpy(buffer, self.bytes.data() + self.position, static_cast<std::size_t>(count));
  self.position += count;
  return count;
}

std::int64_t MemoryReader::seek(void* opaque, std::int64_t offset, int whence) {
  auto& self = *static_cast<MemoryReader*>(opaque);
  return seek_target(self.position, static_cast<std::int64_t>(self.bytes.size()), offset, whence, false);
}

int MemoryWriter::write(void* opaque, std::uint8_t* buffer, int size) {
  auto& self = *static_cast<MemoryWriter*>(opaque);
  const auto end = static_cast<std::size_t>(self.position) + static_cast<std::size_t>(size);
  if (end > self.bytes.size()) self.bytes.resize(end);
  std::memcpy(self.bytes.data() + self.position, buffer, static_cast<std::size_t>(size));
  self.position += size;
  return size;
}

std::int64_t MemoryWriter::seek(void* opaque, std::int64_t offset, int whence) {
  auto& self = *static_cast<MemoryWriter*>(opaque);
  return seek_target(self.position, static_cast<std::int64_t>(self.bytes.size()), offset, whence, true);
}

AVChannelLayout default_layout(int channels) {
  AVChannelLayout layout{};
  av_channel_layout_default(&layout, channels);
  return layout;
}

std::optional<std::string> append_frame(const AVFrame& frame, ResamplerPtr& resampler, PcmBuffer& pcm) {
  if (!resampler) {
    SwrContext* swr = nullptr;
    // FFmpeg 5.1 takes the layouts by non-const pointer; it only reads them.
    AVChannelLayout out = default_layout(frame.ch_layout.nb_channels);
    AVChannelLayout in = frame.ch_layout;
    if (swr_alloc_set_opts2(&swr, &out, AV_SAMPLE_FMT_FLT, frame.sample_rate, &in,
                            static_cast<AVSampleFormat>(frame.format), frame.sample_rate, 0, nullptr) < 0 ||
        swr_init(swr) < 0) {
      swr_free(&swr);
      return "audio of " + std::to_string(frame.ch_layout.nb_channels) + " channels at " +
             std::to_string(frame.sample_rate) + " Hz cannot be converted";
    }
    resampler.reset(swr);
    pcm.sample_rate_hz = frame.sample_rate;
    pcm.channels = frame.ch_layout.nb_channels;
  }
  // A stream that changes rate or layout mid-way is not one fragment of audio.
  if (frame.sample_rate != pcm.sample_rate_hz || frame.ch_layout.nb_channels != pcm.channels) {
    return std::string("audio changes rate or channel layout mid-stream");
  }
  const std::size_t offset = pcm.samples.size();
  pcm.samples.resize(offset + static_cast<std::size_t>(frame.nb_samples * pcm.channels));
  auto* out = reinterpret_cast<std::uint8_t*>(pcm.samples.data() + offset);
  const int converted = swr_convert(resampler.get(), &out, frame.nb_samples,
                                    const_cast<const std::uint8_t**>(frame.extended_data), frame.nb_samples);
  if (converted < 0) return "audio samples cannot be converted: " + av_error_text(converted);
  pcm.samples.resize(offset + static_cast<std::size_t>(converted * pcm.channels));
  return std::nullopt;
}

}  // namespace sts::audio::ffmpeg
