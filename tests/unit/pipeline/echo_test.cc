#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "pipeline/echo_pipeline.h"

namespace sts::pipeline {
namespace {

std::shared_ptr<const StreamSpec> stream_of(AudioFormat format) {
  auto spec = std::make_shared<StreamSpec>();
  spec->format = format;
  spec->sample_rate_hz = 48000;
  spec->channels = 2;
  return spec;
}

FragmentJob job_of(AudioFormat format, std::vector<std::uint8_t> audio) {
  FragmentJob job;
  job.stream = stream_of(format);
  job.format = format;
  job.sample_rate_hz = 48000;
  job.channels = 2;
  job.duration_ms = 500;
  job.audio = std::move(audio);
  return job;
}

FragmentResult echo(const FragmentJob& job) {
  const EchoPipeline pipeline(PipelineSettings{});
  JobControl control;
  auto result = pipeline.process(job, control);
  EXPECT_EQ(control.stage.load(), Stage::done);
  return result;
}

TEST(EchoPipeline, ReturnsS16InTheStreamsLayoutByteForByte) {
  std::vector<std::uint8_t> audio(48000 / 2 * 2 * 2);  // 500 ms
  for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = static_cast<std::uint8_t>(i * 7 + i / 3);
  const auto result = echo(job_of(AudioFormat::pcm_s16le, audio));
  EXPECT_EQ(result.status, FragmentStatus::success);
  ASSERT_TRUE(result.dubbed_audio);
  EXPECT_EQ(result.dubbed_audio->bytes, audio);
  EXPECT_EQ(result.original_duration_ms, 500);
  EXPECT_EQ(result.dubbed_duration_ms, 500);
  EXPECT_EQ(result.speed_ratio, 1.0);
  // Every stage ran and was timed, as in the full pipeline.
  ASSERT_EQ(result.stage_timings.size(), 6u);
  EXPECT_EQ(result.stage_timings.front().stage, Stage::decode);
  EXPECT_EQ(result.stage_timings.back().stage, Stage::encode);
}

TEST(EchoPipeline, DecodesF32SoNonFiniteSamplesBecomeSilence) {
  std::vector<float> samples(48000 / 2 * 2, 0.25F);
  samples[10] = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::uint8_t> audio(samples.size() * sizeof(float));
  std::memcpy(audio.data(), samples.data(), audio.size());
  const auto result = echo(job_of(AudioFormat::pcm_f32le, audio));
  ASSERT_TRUE(result.dubbed_audio);
  ASSERT_EQ(result.dubbed_audio->bytes.size(), audio.size());
  std::vector<float> dubbed(samples.size());
  std::memcpy(dubbed.data(), result.dubbed_audio->bytes.data(), audio.size());
  EXPECT_EQ(dubbed[10], 0.0F);
  EXPECT_EQ(dubbed[11], 0.25F);
  EXPECT_EQ(result.dubbed_duration_ms, 500);
}

}  // namespace
}  // namespace sts::pipeline
