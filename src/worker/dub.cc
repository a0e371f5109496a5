#include "worker/dub.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

#include "audio/codec.h"
#include "worker/track.h"

namespace sts::worker {
namespace {

// The rates an AAC stream can declare; other input rates are resampled for m4a.
constexpr std::array<int, 12> kAacRates = {96000, 88200, 64000, 48000, 44100, 32000,
                                           24000, 22050, 16000, 12000, 11025, 8000};
constexpr int kFallbackRate = 48000;

std::string fragment_id(const std::string& stream_id, std::size_t index) {
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "-%06zu", index);
  return stream_id + suffix;
}

}  // namespace

tl::expected<DubInput, std::string> load_dub_input(const std::string& path, audio::AudioFormat format) {
  auto media = audio::read_media_audio(path);
  if (!media) return tl::unexpected(media.error());
  audio::PcmBuffer& pcm = media->pcm;
  int rate = pcm.sample_rate_hz;
  if (format == audio::AudioFormat::m4a && std::find(kAacRates.begin(), kAacRates.end(), rate) == kAacRates.end()) {
    rate = kFallbackRate;
  }
  // Speech dubbing needs no surround: more than two channels are down-mixed to stereo.
  pcm = audio::convert(std::move(pcm), rate, std::min(pcm.channels, 2));
  return DubInput{path, std::move(*media)};
}

DubReport run_dub(boost::asio::io_context& io, Transport& transport, const DubInput& input,
                  const std::string& output_path, WorkerOptions options,
                  const std::function<void(const DubProgress&)>& on_progress) {
  const audio::PcmBuffer& track = input.media.pcm;
  options.stream.sample_rate_hz = track.sample_rate_hz;
  options.stream.channels = track.channels;
  const std::vector<Span> spans = cut(track.frames(), track.sample_rate_hz, options.stream.chunk_duration_ms);
  const StreamConfig& stream = options.stream;
  audio::PcmBuffer dubbed = silent_like(track);
  DubReport report;
  report.fragments = spans.size();
  // Replaced when the worker finishes; left only if io.run() ran out of work first.
  report.result.failure = "the stream stopped without an outcome";

  FragmentSource source = [&](std::size_t index) -> std::optional<OutgoingFragment> {
    if (index >= spans.size()) return std::nullopt;
    auto bytes = audio::encode_payload(slice(track, spans[index]), stream.format);
    // Encoding PCM at a rate chosen for the format cannot fail short of a broken
    // FFmpeg: a start-up-class failure, not a fragment's.
    if (!bytes) throw std::runtime_error("cannot encode fragment " + std::to_string(index) + ": " + bytes.error());
    return OutgoingFragment{fragment_id(stream.stream_id, index),
                            span_start_ms(spans[index], track.sample_rate_hz),
                            span_duration_ms(spans[index], track.sample_rate_hz),
                            stream.format,
                            track.sample_rate_hz,
                            track.channels,
                            std::make_shared<const std::vector<std::uint8_t>>(std::move(*bytes))};
  };
  std::size_t done = 0;
  const auto on_outcome = [&](FragmentOutcome& outcome) {
    ++done;
    bool placed = false;
    if (outcome.dubbed_audio) {
      const auto& reply = *outcome.dubbed_audio;
      auto pcm =
          audio::decode_payload(reply.bytes, {reply.format, reply.sample_rate_hz, reply.channels, reply.duration_ms});
      if (pcm) {
        place(dubbed, spans[outcome.index], audio::convert(std::move(*pcm), track.sample_rate_hz, track.channels));
        placed = true;
      } else {
        outcome.error_code = "UNDECODABLE_REPLY";
        outcome.error_message = pcm.error().message;
      }
    }
    if (!placed) ++report.silenced;
    on_progress(DubProgress{done, spans.size(), outcome});
  };
  StreamWorker worker(io, transport, options, source, report.stats, on_outcome,
                      [&](const WorkerResult& result) { report.result = result; });
  worker.start();
  io.run();
  if (!report.result.ok) return report;
  const bool keep_video = input.media.has_video && !audio::is_audio_only_path(output_path);
  auto written = keep_video ? audio::write_with_video(input.path, dubbed, output_path)
                            : audio::write_audio_file(output_path, dubbed);
  if (!written) {
    report.result.ok = false;
    report.result.failure = written.error();
  }
  return report;
}

}  // namespace sts::worker
