#include "pipeline/dubbing_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "asr/engines.h"
#include "asr/vad.h"
#include "translation/engines.h"
#include "tts/engines.h"
#include "audio/codec.h"
#include "pipeline/duration.h"

namespace sts::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// Runs stages in order, timing each, until one fails or a stop is requested.
class StageRunner {
 public:
  StageRunner(const FragmentJob& job, JobControl& control, const StageHook& hook, FragmentResult& result)
      : job_(job), control_(control), hook_(hook), result_(result) {}

  template <typename Body>
  bool run(Stage stage, Body&& body) {
    if (control_.stop.stop_requested()) return fail({stage, {ErrorCode::timeout, "fragment deadline passed"}});
    control_.stage.store(stage, std::memory_order_relaxed);
    const auto started = Clock::now();
    tl::expected<void, StageError> outcome;
    if (hook_) outcome = hook_(stage, job_, control_);
    // Stages must not throw; one that does (out of memory, a library refusing its
    // input) fails this fragment, never the process.
    if (outcome) {
      try {
        outcome = body();
      } catch (const std::exception& error) {
        outcome = tl::unexpected(StageError{stage, {ErrorCode::internal_error, error.what()}});
      }
    }
    result_.stage_timings.push_back({stage, std::chrono::duration<double, std::milli>(Clock::now() - started).count()});
    return outcome ? true : fail(std::move(outcome.error()));
  }

 private:
  bool fail(StageError error) {
    result_.status = FragmentStatus::failed;
    result_.dubbed_audio.reset();
    result_.error = std::move(error);
    return false;
  }

  const FragmentJob& job_;
  JobControl& control_;
  const StageHook& hook_;
  FragmentResult& result_;
};

StageError decode_error(const audio::DecodeError& error) {
  return {Stage::decode,
          {error.kind == audio::DecodeError::Kind::malformed ? ErrorCode::invalid_fragment : ErrorCode::invalid_audio,
           error.message}};
}

audio::PcmBuffer silence(int sample_rate_hz, int channels, std::int64_t frames) {
  return {sample_rate_hz, channels, std::vector<float>(static_cast<std::size_t>(frames * channels), 0.0F)};
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

tl::expected<void, StageError> nothing_to_do() { return {}; }

// What the engines can do together: the translator's pairs whose source the ASR
// engine hears.
std::vector<LanguagePair> pairs_for(const Engines& engines) {
  if (!engines.asr) return {{"en", "es"}};
  const auto& heard = engines.asr->languages();
  std::vector<LanguagePair> pairs;
  if (!engines.translator) {
    for (const auto& language : heard) pairs.emplace_back(language, "es");
    return pairs;
  }
  const auto spoken = [&](const std::string& language) {
    if (!engines.synthesizer) return true;
    const auto& languages = engines.synthesizer->languages();
    return std::find(languages.begin(), languages.end(), language) != languages.end();
  };
  for (const auto& pair : engines.translator->pairs()) {
    if (std::find(heard.begin(), heard.end(), pair.first) != heard.end() && spoken(pair.second)) pairs.push_back(pair);
  }
  return pairs;
}

}  // namespace

DubbingPipeline::DubbingPipeline(std::string name, PipelineSettings settings, Engines engines, StageHook hook)
    : name_(std::move(name)),
      settings_(std::move(settings)),
      engines_(std::move(engines)),
      hook_(std::move(hook)),
      pairs_(pairs_for(engines_)) {}

util::Json DubbingPipeline::engines() const {
  util::Json engines = util::Json::object();
  if (engines_.asr) {
    engines["asr"] = {{"engine", engines_.asr->name()},
                      {"model", engines_.asr->model()},
                      {"languages", engines_.asr->languages()}};
  }
  if (engines_.synthesizer) {
    engines["tts"] = {{"engine", engines_.synthesizer->name()}, {"model", engines_.synthesizer->model()}};
  }
  if (engines_.translator) {
    // Every installed pair, not only those the ASR engine can feed: operators see what
    // a Spanish (or other) recogniser would unlock.
    util::Json pairs = util::Json::array();
    for (const auto& [source, target] : engines_.translator->pairs()) pairs.push_back(source + "-" + target);
    engines["translation"] = {
        {"engine", engines_.translator->name()}, {"model", engines_.translator->model()}, {"pairs", pairs}};
  }
  return engines;
}

std::map<std::string, util::Readiness, std::less<>> DubbingPipeline::readiness() const {
  std::map<std::string, util::Readiness, std::less<>> readiness;
  if (engines_.asr) readiness["asr"] = engines_.asr->readiness();
  if (engines_.translator) readiness["translation"] = engines_.translator->readiness();
  if (engines_.synthesizer) readiness["tts"] = engines_.synthesizer->readiness();
  return readiness;
}

std::map<std::string, util::PoolUsage, std::less<>> DubbingPipeline::pool_usage() const {
  std::map<std::string, util::PoolUsage, std::less<>> usage;
  if (engines_.asr) usage[std::string(engines_.asr->name())] = engines_.asr->pool_usage();
  if (engines_.translator) usage[std::string(engines_.translator->name())] = engines_.translator->pool_usage();
  if (engines_.synthesizer) usage[std::string(engines_.synthesizer->name())] = engines_.synthesizer->pool_usage();
  return usage;
}

FragmentResult DubbingPipeline::process(const FragmentJob& job, JobControl& control) const {
  FragmentResult result;
  result.asr_model = engines_.asr ? std::string(engines_.asr->model()) : "echo";
  result.translation_model = engines_.translator ? std::string(engines_.translator->model()) : "echo";
  result.tts_model = engines_.synthesizer ? std::string(engines_.synthesizer->model()) : "echo";
  StageRunner runner(job, control, hook_, result);
  const StreamSpec& stream = *job.stream;
  if (echoes_untouched(job)) {
    // Decoding pcm_s16le to float and encoding it back gives the same bytes: echo
    // returns them as they came, without two conversions and 3.5 MB of buffers for
    // a 6 s stereo fragment. Every stage still runs, and is timed, as for any echo.
    const bool done =
        runner.run(Stage::decode, [&]() -> tl::expected<void, StageError> {
          const std::int64_t frames = static_cast<std::int64_t>(job.audio.size()) / (2 * job.channels);
          result.original_duration_ms = frames * 1000 / job.sample_rate_hz;
          return {};
        }) &&
        runner.run(Stage::asr, nothing_to_do) && runner.run(Stage::translation, nothing_to_do) &&
        runner.run(Stage::tts, nothing_to_do) && runner.run(Stage::duration_match, [&] {
          result.dubbed_duration_ms = result.original_duration_ms;
          return judge(result, settings_);
        }) &&
        runner.run(Stage::encode, [&]() -> tl::expected<void, StageError> {
          result.dubbed_audio =
              EncodedAudio{stream.format, stream.sample_rate_hz, stream.channels, result.dubbed_duration_ms, job.audio};
          return {};
        });
    if (done) control.stage.store(Stage::done, std::memory_order_relaxed);
    return result;
  }
  audio::PcmBuffer original;
  audio::PcmBuffer dubbed;
  std::int64_t target_frames = 0;  // the original's length at the stream's rate
  std::int64_t speech_start_frames = 0;
  std::int64_t speech_frames = 0;  // how long the original speech lasted, at the stream's rate
  bool speech = true;
  bool synthesised = false;

  if (!runner.run(Stage::decode, [&]() -> tl::expected<void, StageError> {
        auto pcm = audio::decode_payload(job.audio, {job.format, job.sample_rate_hz, job.channels, job.duration_ms});
        if (!pcm) return tl::unexpected(decode_error(pcm.error()));
        original = std::move(*pcm);
        result.original_duration_ms = original.duration_ms();
        target_frames = std::llround(static_cast<double>(original.frames()) * stream.sample_rate_hz /
                                     original.sample_rate_hz);
        return {};
      }))
    return result;

  if (!runner.run(Stage::asr, [&]() -> tl::expected<void, StageError> {
        if (!engines_.asr) return {};
        const auto heard = audio::convert(original, asr::kSampleRateHz, 1);
        const auto activity = asr::detect_speech(heard);
        speech = activity.speech;
        if (!speech) return {};
        speech_start_frames = activity.first_ms * stream.sample_rate_hz / 1000;
        speech_frames = (activity.last_ms - activity.first_ms) * stream.sample_rate_hz / 1000;
        const asr::Request request{stream.source_language, stream.domain_hints, job.stream_offset_ms()};
        auto transcript = engines_.asr->recognise(heard, request);
        if (!transcript) return tl::unexpected(StageError{Stage::asr, std::move(transcript.error())});
        result.transcript = transcript->text();
        for (auto& segment : transcript->segments) {
          result.segments.push_back({segment.start_ms, segment.end_ms, std::move(segment.text), segment.confidence});
        }
        return {};
      }))
    return result;

  // docs/protocol.md "Silence / no speech": no translation or TTS work; the dub is silence
  // of the original's length, or the original itself. Echo has no ears and always dubs.
  const bool dub = !engines_.asr || (speech && !result.transcript.empty());
  const bool done =
      (!dub || runner.run(Stage::translation, [&]() -> tl::expected<void, StageError> {
        if (!engines_.translator) return {};
        translation::Request request;
        for (const auto& segment : result.segments) request.sentences.push_back(segment.text);
        request.source_language = stream.source_language;
        request.target_language = stream.target_language;
        request.timeout = control.time_left(settings_.translation.timeout);
        auto translated = engines_.translator->translate(request);
        if (!translated) return tl::unexpected(StageError{Stage::translation, std::move(translated.error())});
        for (const auto& sentence : *translated) {
          if (sentence.empty()) continue;
          if (!result.translated_text.empty()) result.translated_text += ' ';
          result.translated_text += sentence;
        }
        return {};
      })) &&
      (!dub || runner.run(Stage::tts,
                          [&]() -> tl::expected<void, StageError> {
                            if (!engines_.synthesizer) {
                              // Echo: the "synthesised speech" is the input, in the stream's layout.
                              dubbed = audio::convert(std::move(original), stream.sample_rate_hz, stream.channels);
                              return {};
                            }
                            tts::Request request;
                            request.text = result.translated_text;
                            request.language = stream.target_language;
                            request.voice = stream.voice;
                            request.target_duration_ms = speech_frames * 1000 / stream.sample_rate_hz;
                            request.timeout = control.time_left(settings_.tts.timeout);
                            auto speech_out = engines_.synthesizer->synthesize(request);
                            if (!speech_out) return tl::unexpected(StageError{Stage::tts, std::move(speech_out.error())});
                            for (const auto& [key, value] : speech_out->metadata.items()) {
                              result.engine_metadata[key] = value;
                            }
                            // Kept at the voice's own rate and channels until its length is
                            // matched: stretching 22 kHz mono costs a fraction of 48 kHz stereo.
                            dubbed = std::move(speech_out->pcm);
                            synthesised = true;
                            return {};
                          })) &&
      runner.run(Stage::duration_match,
                 [&]() -> tl::expected<void, StageError> {
                   if (!dub) {
                     dubbed = settings_.fallback == FallbackMode::original
                                  ? audio::convert(std::move(original), stream.sample_rate_hz, stream.channels)
                                  : silence(stream.sample_rate_hz, stream.channels, target_frames);
                   }
                   auto matched = synthesised
                                      ? place_speech_converted(std::move(dubbed), speech_start_frames, speech_frames,
                                                               target_frames, stream.sample_rate_hz, stream.channels,
                                                               settings_)
                                      : match_duration(std::move(dubbed), target_frames, speech_start_frames,
                                                       settings_);
                   dubbed = std::move(matched.pcm);
                   result.speed_ratio = matched.speed_ratio;
                   result.dubbed_duration_ms = dubbed.duration_ms();
                   return judge(result, settings_);
                 }) &&
      runner.run(Stage::encode, [&]() -> tl::expected<void, StageError> {
        auto bytes = audio::encode_payload(dubbed, stream.format);
        if (!bytes) return tl::unexpected(StageError{Stage::encode, {ErrorCode::encoding_failed, bytes.error()}});
        result.dubbed_audio = EncodedAudio{stream.format, stream.sample_rate_hz, stream.channels,
                                           result.dubbed_duration_ms, std::move(*bytes)};
        return {};
      });
  if (done) control.stage.store(Stage::done, std::memory_order_relaxed);
  return result;
}

bool DubbingPipeline::echoes_untouched(const FragmentJob& job) const {
  const StreamSpec& stream = *job.stream;
  return !engines_.asr && !engines_.translator && !engines_.synthesizer && job.format == AudioFormat::pcm_s16le &&
         stream.format == AudioFormat::pcm_s16le && job.sample_rate_hz == stream.sample_rate_hz &&
         job.channels == stream.channels && job.channels > 0 && job.sample_rate_hz > 0;
}

PipelineRegistry builtin_pipelines() {
  PipelineRegistry registry;
  registry.emplace("echo", [](const PipelineSettings& settings) {
    return std::make_unique<DubbingPipeline>("echo", settings, Engines{});
  });
  registry.emplace("dub", [](const PipelineSettings& settings) {
    return std::make_unique<DubbingPipeline>(
        "dub", settings,
        Engines{asr::make_engine(settings.asr), translation::make_translator(settings.translation),
                tts::make_synthesizer(settings.tts)});
  });
  return registry;
}

}  // namespace sts::pipeline
