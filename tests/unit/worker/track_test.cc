#include "worker/track.h"

#include <gtest/gtest.h>

#include <numeric>

namespace sts::worker {
namespace {

std::int64_t total(const std::vector<Span>& spans) {
  return std::accumulate(spans.begin(), spans.end(), std::int64_t{0},
                         [](std::int64_t sum, const Span& span) { return sum + span.frames; });
}

TEST(Track, CutsTheProgrammeIntoSixSecondFragmentsAndARest) {
  const auto spans = cut(3040404, 48000, 6000);  // test-data/program: 63.342 s
  ASSERT_EQ(spans.size(), 11u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(spans[i].start_frame, static_cast<std::int64_t>(i) * 288000);
    EXPECT_EQ(spans[i].frames, 288000);
  }
  EXPECT_EQ(spans.back().frames, 160404);
  EXPECT_EQ(span_duration_ms(spans.back(), 48000), 3342);  // 3341.75 ms, rounded up
  EXPECT_EQ(span_start_ms(spans.back(), 48000), 60000);
}

TEST(Track, CutsOnTheExactGridWithoutDrift) {
  // 44.1 kHz and a chunk that is not a whole number of frames: 1001 ms = 44144.1 frames.
  const std::int64_t frames = 44100 * 3600;
  const auto spans = cut(frames, 44100, 1001);
  EXPECT_EQ(total(spans), frames);
  for (std::size_t i = 1; i < spans.size(); ++i) {
    EXPECT_EQ(spans[i].start_frame, spans[i - 1].start_frame + spans[i - 1].frames);
    EXPECT_EQ(spans[i].start_frame, static_cast<std::int64_t>(i) * 1001 * 44100 / 1000);
  }
}

TEST(Track, CutsNothingOutOfNothing) {
  EXPECT_TRUE(cut(0, 48000, 6000).empty());
  EXPECT_EQ(cut(10, 48000, 6000).size(), 1u);
}

TEST(Track, ReassemblesToExactlyTheInputLength) {
  audio::PcmBuffer input{8000, 2, std::vector<float>(2 * 20500, 0.5F)};
  const auto spans = cut(input.frames(), 8000, 1000);
  audio::PcmBuffer output = silent_like(input);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    audio::PcmBuffer piece = slice(input, spans[i]);
    // Replies come back a little long (AAC padding) or short; neither moves a boundary.
    if (i % 2 == 0) {
      piece.samples.resize(piece.samples.size() + 2 * 700, 0.25F);
    } else {
      piece.samples.resize(piece.samples.size() - 2 * 100);
    }
    place(output, spans[i], piece);
  }
  ASSERT_EQ(output.frames(), input.frames());
  EXPECT_FLOAT_EQ(output.samples[2 * 7999], 0.5F);   // a long piece cut at its span's end
  EXPECT_FLOAT_EQ(output.samples[2 * 8000], 0.5F);   // the next span starts with its own audio
  EXPECT_FLOAT_EQ(output.samples[2 * 15950], 0.0F);  // a short piece leaves silence
  EXPECT_FLOAT_EQ(output.samples[2 * 16000], 0.5F);
}

TEST(Track, LeavesSilenceWhereAPieceIsShortOrMissing) {
  audio::PcmBuffer input{8000, 1, std::vector<float>(3000, 0.5F)};
  const auto spans = cut(input.frames(), 8000, 1000);
  audio::PcmBuffer output = silent_like(input);
  place(output, spans[0], audio::PcmBuffer{8000, 1, std::vector<float>(600, 0.5F)});
  EXPECT_FLOAT_EQ(output.samples[599], 0.5F);
  EXPECT_FLOAT_EQ(output.samples[600], 0.0F);
  EXPECT_FLOAT_EQ(output.samples[2500], 0.0F);  // spans[2] never placed
}

}  // namespace
}  // namespace sts::worker
