// DubbingPipeline over fake engines: which stages run, in which order, and how each
// failure is reported, with no models and no server.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "audio/codec.h"
#include "fake_engines.h"
#include "pipeline/dubbing_pipeline.h"

namespace sts::pipeline {
namespace {

constexpr int kRateHz = 48000;
constexpr int kChannels = 2;

// One second that voice activity detection takes for speech: 200 ms of silence, then
// syllables of a tone, 100 ms each with 100 ms pauses between them.
audio::PcmBuffer speech_like() {
  audio::PcmBuffer pcm{kRateHz, kChannels, std::vector<float>(static_cast<std::size_t>(kRateHz * kChannels), 0.0F)};
  for (std::int64_t frame = 0; frame < pcm.frames(); ++frame) {
    const std::int64_t ms = frame * 1000 / kRateHz;
    if (ms < 200 || (ms / 100) % 2 == 1) continue;
    const double phase = 2 * std::numbers::pi * 220 * static_cast<double>(frame) / kRateHz;
    for (int channel = 0; channel < kChannels; ++channel) {
      pcm.samples[static_cast<std::size_t>(frame * kChannels + channel)] = static_cast<float>(0.5 * std::sin(phase));
    }
  }
  return pcm;
}

audio::PcmBuffer silence_of_one_second() {
  return {kRateHz, kChannels, std::vector<float>(static_cast<std::size_t>(kRateHz * kChannels), 0.0F)};
}

// `pcm` as a pcm_s16le fragment of an English-to-Spanish stream in its layout.
FragmentJob job_of(const audio::PcmBuffer& pcm) {
  auto stream = std::make_shared<StreamSpec>();
  stream->source_language = "en";
  stream->target_language = "es";
  stream->format = AudioFormat::pcm_s16le;
  stream->sample_rate_hz = kRateHz;
  stream->channels = kChannels;
  FragmentJob job;
  job.stream = stream;
  job.format = AudioFormat::pcm_s16le;
  job.sample_rate_hz = kRateHz;
  job.channels = kChannels;
  job.duration_ms = pcm.duration_ms();
  job.audio = audio::encode_payload(pcm, AudioFormat::pcm_s16le).value();
  return job;
}

audio::PcmBuffer decoded(const EncodedAudio& encoded) {
  return audio::decode_payload(encoded.bytes,
                               {encoded.format, encoded.sample_rate_hz, encoded.channels, encoded.duration_ms})
      .value();
}

std::vector<std::string> stages_timed(const FragmentResult& result) {
  std::vector<std::string> stages;
  for (const auto& timing : result.stage_timings) stages.emplace_back(stage_name(timing.stage));
  return stages;
}

void expect_failed_in(const FragmentResult& result, Stage stage, ErrorCode code) {
  EXPECT_EQ(result.status, FragmentStatus::failed);
  EXPECT_FALSE(result.dubbed_audio);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(stage_name(result.error->stage), stage_name(stage));
  EXPECT_EQ(result.error->error.code, code);
}

class DubbingPipelineTest : public ::testing::Test {
 protected:
  FragmentResult process(const FragmentJob& job) { return pipeline_.process(job, control_); }

  // The pipeline owns the fakes; tests script and count them through the references,
  // which are bound (in declaration order) before the pipeline takes the pointers.
  std::unique_ptr<fakes::FakeRecognizer> owned_recognizer_ = std::make_unique<fakes::FakeRecognizer>();
  std::unique_ptr<fakes::FakeTranslator> owned_translator_ = std::make_unique<fakes::FakeTranslator>();
  std::unique_ptr<fakes::FakeSynthesizer> owned_synthesizer_ = std::make_unique<fakes::FakeSynthesizer>();
  fakes::FakeRecognizer& recognizer_ = *owned_recognizer_;
  fakes::FakeTranslator& translator_ = *owned_translator_;
  fakes::FakeSynthesizer& synthesizer_ = *owned_synthesizer_;
  DubbingPipeline pipeline_{PipelineSettings{}, Engines{std::move(owned_recognizer_), std::move(owned_translator_),
                                                        std::move(owned_synthesizer_)}};
  JobControl control_;
};

TEST_F(DubbingPipelineTest, FillsTranscriptTranslationAndAudioTimingEveryStageInOrder) {
  const auto result = process(job_of(speech_like()));
  EXPECT_EQ(result.status, FragmentStatus::success);
  EXPECT_FALSE(result.error);
  EXPECT_EQ(result.transcript, "hello world");
  ASSERT_EQ(result.segments.size(), 1u);
  EXPECT_EQ(result.segments[0].text, "hello world");
  EXPECT_EQ(result.translated_text, "hola mundo");
  ASSERT_TRUE(result.dubbed_audio);
  EXPECT_EQ(result.dubbed_audio->format, AudioFormat::pcm_s16le);
  EXPECT_EQ(result.dubbed_audio->sample_rate_hz, kRateHz);
  EXPECT_EQ(result.dubbed_audio->channels, kChannels);
  EXPECT_EQ(result.dubbed_audio->bytes.size(), static_cast<std::size_t>(kRateHz * kChannels * 2));
  EXPECT_EQ(result.original_duration_ms, 1000);
  EXPECT_EQ(result.dubbed_duration_ms, 1000);
  EXPECT_EQ(result.asr_model, "fake-asr");
  EXPECT_EQ(result.translation_model, "fake-mt");
  EXPECT_EQ(result.tts_model, "fake-tts");
  EXPECT_EQ(stages_timed(result),
            (std::vector<std::string>{"decode", "asr", "translation", "tts", "duration_match", "encode"}));
  EXPECT_EQ(control_.stage.load(), Stage::done);
  EXPECT_EQ(recognizer_.calls(), 1);
  EXPECT_EQ(translator_.calls(), 1);
  EXPECT_EQ(synthesizer_.calls(), 1);
}

TEST_F(DubbingPipelineTest, PlacesTheSpeechWhereTheOriginalSpeechStarted) {
  const auto result = process(job_of(speech_like()));
  ASSERT_TRUE(result.dubbed_audio);
  const auto dub = decoded(*result.dubbed_audio);
  const auto before_speech = static_cast<std::ptrdiff_t>(kRateHz * 150 / 1000 * kChannels);
  EXPECT_TRUE(std::all_of(dub.samples.begin(), dub.samples.begin() + before_speech, [](float s) { return s == 0; }));
  EXPECT_TRUE(std::any_of(dub.samples.begin() + before_speech, dub.samples.end(), [](float s) { return s != 0; }));
}

TEST_F(DubbingPipelineTest, RecognizerErrorFailsInAsrAndTranslatesNothing) {
  recognizer_.fail({ErrorCode::model_error, "the decoder gave up"});
  const auto result = process(job_of(speech_like()));
  ASSERT_NO_FATAL_FAILURE(expect_failed_in(result, Stage::asr, ErrorCode::model_error));
  EXPECT_EQ(result.error->error.message, "the decoder gave up");
  EXPECT_EQ(stages_timed(result), (std::vector<std::string>{"decode", "asr"}));
  EXPECT_EQ(translator_.calls(), 0);
  EXPECT_EQ(synthesizer_.calls(), 0);
}

TEST_F(DubbingPipelineTest, TranslatorErrorFailsInTranslationAndSynthesizesNothing) {
  translator_.fail({ErrorCode::rate_limit_exceeded, "slow down"});
  const auto result = process(job_of(speech_like()));
  expect_failed_in(result, Stage::translation, ErrorCode::rate_limit_exceeded);
  EXPECT_EQ(stages_timed(result), (std::vector<std::string>{"decode", "asr", "translation"}));
  EXPECT_EQ(synthesizer_.calls(), 0);
}

TEST_F(DubbingPipelineTest, SynthesizerErrorFailsInTts) {
  synthesizer_.fail({ErrorCode::synthesis_failed, "no voice"});
  const auto result = process(job_of(speech_like()));
  expect_failed_in(result, Stage::tts, ErrorCode::synthesis_failed);
  EXPECT_EQ(stages_timed(result), (std::vector<std::string>{"decode", "asr", "translation", "tts"}));
}

TEST_F(DubbingPipelineTest, SilenceSkipsTranslationAndSynthesisAndReturnsSilenceOfTheOriginalLength) {
  const auto job = job_of(silence_of_one_second());
  const auto result = process(job);
  EXPECT_EQ(result.status, FragmentStatus::success);
  EXPECT_EQ(result.transcript, "");
  EXPECT_EQ(result.translated_text, "");
  ASSERT_TRUE(result.dubbed_audio);
  EXPECT_EQ(result.dubbed_audio->bytes, job.audio);
  EXPECT_EQ(result.dubbed_duration_ms, 1000);
  EXPECT_EQ(stages_timed(result), (std::vector<std::string>{"decode", "asr", "duration_match", "encode"}));
  EXPECT_EQ(recognizer_.calls(), 0);
  EXPECT_EQ(translator_.calls(), 0);
  EXPECT_EQ(synthesizer_.calls(), 0);
}

TEST_F(DubbingPipelineTest, StopRequestedBeforeTheFirstStageFailsWithTimeoutInDecode) {
  control_.stop.request_stop();
  const auto result = process(job_of(speech_like()));
  expect_failed_in(result, Stage::decode, ErrorCode::timeout);
  EXPECT_TRUE(result.stage_timings.empty());
  EXPECT_EQ(control_.stage.load(), Stage::queued);
  EXPECT_EQ(recognizer_.calls(), 0);
}

TEST_F(DubbingPipelineTest, StopRequestedDuringAsrFailsWithTimeoutInTranslation) {
  recognizer_.on_call([this] { control_.stop.request_stop(); });
  const auto result = process(job_of(speech_like()));
  expect_failed_in(result, Stage::translation, ErrorCode::timeout);
  EXPECT_EQ(stages_timed(result), (std::vector<std::string>{"decode", "asr"}));
  EXPECT_EQ(control_.stage.load(), Stage::asr);
  EXPECT_EQ(translator_.calls(), 0);
}

TEST_F(DubbingPipelineTest, ExceptionFromTheRecognizerIsAnInternalErrorInAsr) {
  recognizer_.throw_error("out of memory");
  const auto result = process(job_of(speech_like()));
  ASSERT_NO_FATAL_FAILURE(expect_failed_in(result, Stage::asr, ErrorCode::internal_error));
  EXPECT_EQ(result.error->error.message, "out of memory");
  EXPECT_EQ(stages_timed(result), (std::vector<std::string>{"decode", "asr"}));
}

TEST_F(DubbingPipelineTest, ExceptionFromTheSynthesizerIsAnInternalErrorInTts) {
  synthesizer_.throw_error("voice file vanished");
  const auto result = process(job_of(speech_like()));
  expect_failed_in(result, Stage::tts, ErrorCode::internal_error);
  EXPECT_EQ(stages_timed(result), (std::vector<std::string>{"decode", "asr", "translation", "tts"}));
}

TEST(DubbingPipeline, RequiresEveryEngine) {
  const auto without_synthesizer = [] {
    return Engines{std::make_unique<fakes::FakeRecognizer>(), std::make_unique<fakes::FakeTranslator>(), nullptr};
  };
  EXPECT_THROW(DubbingPipeline(PipelineSettings{}, without_synthesizer()), std::invalid_argument);
}

}  // namespace
}  // namespace sts::pipeline
