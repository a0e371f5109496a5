// Whole files on disk, over the test programme: what sts-dub reads and writes.
#include "audio/media_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sts::audio {
namespace {

const std::string kProgramme = std::string(STS_DATA_DIR) + "/program/program";
constexpr std::int64_t kProgrammeFrames = 3040404;  // scripts/test_data.py
constexpr std::int64_t kAacFrame = 1024;

class MediaFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sts-media-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const char* name : {"/out.wav", "/out.m4a"}) std::remove((dir_ + name).c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(MediaFile, ReadsAWavExactly) {
  auto media = read_media_audio(kProgramme + ".wav");
  ASSERT_TRUE(media) << media.error();
  EXPECT_EQ(media->pcm.frames(), kProgrammeFrames);
  EXPECT_EQ(media->pcm.sample_rate_hz, 48000);
  EXPECT_EQ(media->pcm.channels, 2);
  EXPECT_FALSE(media->has_video);
}

TEST_F(MediaFile, TrimsAnM4aToTheLengthItStates) {
  auto media = read_media_audio(kProgramme + ".m4a");
  ASSERT_TRUE(media) << media.error();
  // Without the trim the last AAC frame's padding would remain: up to 1024 more.
  EXPECT_LT(std::abs(media->pcm.frames() - kProgrammeFrames), kAacFrame);
}

TEST_F(MediaFile, WritesWavAndM4aThatReadBackAtTheirLength) {
  const PcmBuffer pcm{48000, 2, std::vector<float>(2 * 100000, 0.25F)};
  ASSERT_TRUE(write_audio_file(dir_ + "/out.wav", pcm));
  ASSERT_TRUE(write_audio_file(dir_ + "/out.m4a", pcm));
  auto wav = read_media_audio(dir_ + "/out.wav");
  auto m4a = read_media_audio(dir_ + "/out.m4a");
  ASSERT_TRUE(wav && m4a);
  EXPECT_EQ(wav->pcm.frames(), 100000);
  EXPECT_LT(std::abs(m4a->pcm.frames() - 100000), kAacFrame);
}

TEST_F(MediaFile, SaysWhatIsWrongWithAPath) {
  const auto missing = read_media_audio(dir_ + "/none.wav");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("none.wav"), std::string::npos);
  EXPECT_FALSE(read_media_audio(std::string(STS_DATA_DIR) + "/bad/text_named.wav"));
  EXPECT_FALSE(write_audio_file(dir_ + "/out.ogg", PcmBuffer{48000, 1, std::vector<float>(480)}));
}

TEST(MediaPaths, KnowsWhichOutputsHoldNoVideo) {
  EXPECT_TRUE(is_audio_only_path("a/b.WAV"));
  EXPECT_TRUE(is_audio_only_path("x.m4a"));
  EXPECT_FALSE(is_audio_only_path("x.mp4"));
  EXPECT_FALSE(is_audio_only_path("dir.wav/x"));
}

}  // namespace
}  // namespace sts::audio
