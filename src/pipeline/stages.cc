#include "pipeline/stages.h"

#include <cmath>
#include <string>
#include <vector>

#include "asr/vad.h"
#include "audio/codec.h"
#include "pipeline/duration.h"

namespace sts::pipeline {
namespace {

audio::PcmBuffer silence(int sample_rate_hz, int channels, std::int64_t frames) {
  return {sample_rate_hz, channels, std::vector<float>(static_cast<std::size_t>(frames * channels), 0.0F)};
}

// The dub of a fragment without synthesized speech, in the stream's layout.
audio::PcmBuffer without_speech(FragmentWork& work, FallbackMode fallback) {
  const StreamSpec& stream = work.stream;
  if (fallback == FallbackMode::original) {
    return audio::convert(std::move(work.original), stream.sample_rate_hz, stream.channels);
  }
  return silence(stream.sample_rate_hz, stream.channels, work.target_frames);
}

// Sets the result's status from how far the dub's length strays from the original's.
tl::expected<void, StageError> judge(FragmentResult& result, const PipelineSettings& settings) {
  auto verdict = judge_duration(result.original_duration_ms, result.dubbed_duration_ms, settings);
  result.duration_variance_percent = verdict.variance_percent;
  result.status = verdict.status;
  result.warnings = std::move(verdict.warnings);
  if (verdict.error) return tl::unexpected(std::move(*verdict.error));
  return {};
}

}  // namespace

FragmentWork::FragmentWork(const FragmentJob& fragment_job, JobControl& job_control)
    : job(fragment_job), stream(*fragment_job.stream), control(job_control) {}

bool StageRunner::start(Stage stage) {
  if (failed()) return false;
  if (work_.control.stop.stop_requested()) {
    fail({stage, {ErrorCode::timeout, "fragment deadline passed"}});
    return false;
  }
  work_.control.stage.store(stage, std::memory_order_relaxed);
  return true;
}

bool StageRunner::retry(const StageError& failure, int attempts) {
  if (!failure.error.transient || attempts > retry_.retries) return false;
  if (!work_.control.wait_to_retry(retry_.backoff)) return false;
  work_.result.retries.push_back({failure.stage, failure.error});
  return true;
}

void StageRunner::end(Stage stage, Clock::time_point started, std::optional<StageError> failure) {
  work_.result.stage_timings.push_back(
      {stage, std::chrono::duration<double, std::milli>(Clock::now() - started).count()});
  if (failure) fail(std::move(*failure));
}

void StageRunner::fail(StageError error) {
  FragmentResult& result = work_.result;
  result.status = FragmentStatus::failed;
  result.dubbed_audio.reset();
  result.error = std::move(error);
}

FragmentResult StageRunner::finish() {
  if (!failed()) work_.control.stage.store(Stage::done, std::memory_order_relaxed);
  return std::move(work_.result);
}

tl::expected<void, Error> decode(FragmentWork& work) {
  const FragmentJob& job = work.job;
  auto pcm = audio::decode_payload(job.audio, {job.format, job.sample_rate_hz, job.channels, job.duration_ms});
  if (!pcm) {
    const bool malformed = pcm.error().kind == audio::DecodeError::Kind::malformed;
    return tl::unexpected(
        Error{malformed ? ErrorCode::invalid_fragment : ErrorCode::invalid_audio, std::move(pcm.error().message)});
  }
  work.original = std::move(*pcm);
  work.result.original_duration_ms = work.original.duration_ms();
  work.target_frames = std::llround(static_cast<double>(work.original.frames()) * work.stream.sample_rate_hz /
                                    work.original.sample_rate_hz);
  return {};
}

tl::expected<void, Error> recognize(FragmentWork& work, const asr::Engine& recognizer) {
  const StreamSpec& stream = work.stream;
  const auto heard = audio::convert(work.original, asr::kSampleRateHz, 1);
  const auto activity = asr::detect_speech(heard);
  if (!activity.speech) return {};
  work.speech_start_frames = activity.first_ms * stream.sample_rate_hz / 1000;
  work.speech_frames = (activity.last_ms - activity.first_ms) * stream.sample_rate_hz / 1000;
  const asr::Request request{stream.source_language, stream.domain_hints, work.job.stream_offset_ms(),
                             work.control.stop.get_token()};
  auto transcript = recognizer.recognize(heard, request);
  if (!transcript) return tl::unexpected(std::move(transcript.error()));
  FragmentResult& result = work.result;
  result.transcript = transcript->text();
  result.segments = std::move(transcript->segments);
  return {};
}

tl::expected<void, Error> translate(FragmentWork& work, const translation::Translator& translator,
                                    std::chrono::milliseconds timeout) {
  translation::Request request;
  for (const auto& segment : work.result.segments) request.sentences.push_back(segment.text);
  request.source_language = work.stream.source_language;
  request.target_language = work.stream.target_language;
  request.timeout = work.control.time_left(timeout);
  auto translated = translator.translate(request);
  if (!translated) return tl::unexpected(std::move(translated.error()));
  std::string& text = work.result.translated_text;
  for (const auto& sentence : *translated) {
    if (sentence.empty()) continue;
    if (!text.empty()) text += ' ';
    text += sentence;
  }
  return {};
}

tl::expected<void, Error> synthesize(FragmentWork& work, const tts::Synthesizer& synthesizer,
                                     std::chrono::milliseconds timeout) {
  const StreamSpec& stream = work.stream;
  tts::Request request;
  request.text = work.result.translated_text;
  request.language = stream.target_language;
  request.voice = stream.voice;
  request.target_duration_ms = work.speech_frames * 1000 / stream.sample_rate_hz;
  request.timeout = work.control.time_left(timeout);
  auto speech = synthesizer.synthesize(request);
  if (!speech) return tl::unexpected(std::move(speech.error()));
  for (const auto& [key, value] : speech->metadata.items()) work.result.engine_metadata[key] = value;
  work.speech = std::move(speech->pcm);
  return {};
}

tl::expected<void, StageError> fit(FragmentWork& work, const PipelineSettings& settings) {
  const StreamSpec& stream = work.stream;
  auto matched = work.speech
                     ? place_speech_converted(std::move(*work.speech), work.speech_start_frames, work.speech_frames,
                                              work.target_frames, stream.sample_rate_hz, stream.channels, settings)
                     : match_duration(without_speech(work, settings.fallback), work.target_frames,
                                      work.speech_start_frames, settings);
  work.dubbed = std::move(matched.pcm);
  work.result.speed_ratio = matched.speed_ratio;
  work.result.dubbed_duration_ms = work.dubbed.duration_ms();
  return judge(work.result, settings);
}

tl::expected<void, Error> encode(FragmentWork& work) {
  const StreamSpec& stream = work.stream;
  auto bytes = audio::encode_payload(work.dubbed, stream.format);
  if (!bytes) return tl::unexpected(Error{ErrorCode::encoding_failed, std::move(bytes.error())});
  work.result.dubbed_audio = EncodedAudio{stream.format, stream.sample_rate_hz, stream.channels,
                                          work.result.dubbed_duration_ms, std::move(*bytes)};
  return {};
}

bool echoes_untouched(const FragmentJob& job) {
  const StreamSpec& stream = *job.stream;
  return job.format == AudioFormat::pcm_s16le && stream.format == AudioFormat::pcm_s16le &&
         job.sample_rate_hz == stream.sample_rate_hz && job.channels == stream.channels && job.channels > 0 &&
         job.sample_rate_hz > 0;
}

tl::expected<void, Error> decode_untouched(FragmentWork& work) {
  const FragmentJob& job = work.job;
  const std::int64_t frames = static_cast<std::int64_t>(job.audio.size()) / (2 * job.channels);
  work.result.original_duration_ms = frames * 1000 / job.sample_rate_hz;
  return {};
}

tl::expected<void, StageError> fit_untouched(FragmentWork& work, const PipelineSettings& settings) {
  work.result.dubbed_duration_ms = work.result.original_duration_ms;
  return judge(work.result, settings);
}

tl::expected<void, Error> encode_untouched(FragmentWork& work) {
  const StreamSpec& stream = work.stream;
  work.result.dubbed_audio = EncodedAudio{stream.format, stream.sample_rate_hz, stream.channels,
                                          work.result.dubbed_duration_ms, work.job.audio};
  return {};
}

}  // namespace sts::pipeline
