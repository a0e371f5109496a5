#include "audio/samples.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace sts::audio {
namespace {

// Lengths around the vector widths, so both the AVX2 body and the scalar tail run.
constexpr std::size_t kLengths[] = {0, 1, 7, 8, 15, 16, 17, 33, 65536 + 5};

TEST(Samples, EverySixteenBitValueSurvivesTheRoundTrip) {
  std::vector<std::uint8_t> bytes;
  for (int value = -32768; value <= 32767; ++value) {
    const auto sample = static_cast<std::int16_t>(value);
    bytes.push_back(static_cast<std::uint8_t>(sample & 0xFF));
    bytes.push_back(static_cast<std::uint8_t>((sample >> 8) & 0xFF));
  }
  for (const std::size_t length : kLengths) {
    const std::size_t samples = std::min(length, bytes.size() / 2);
    std::vector<float> floats(samples);
    s16_to_float(bytes.data(), floats.data(), samples);
    for (std::size_t i = 0; i < samples; ++i) {
      std::int16_t expected = 0;
      std::memcpy(&expected, bytes.data() + 2 * i, 2);
      ASSERT_EQ(floats[i], static_cast<float>(expected) / 32768.0f) << i;
    }
    std::vector<std::uint8_t> back(samples * 2);
    float_to_s16(floats.data(), back.data(), samples);
    EXPECT_TRUE(std::equal(back.begin(), back.end(), bytes.begin())) << length;
  }
}

TEST(Samples, FloatsRoundToNearestEvenAndSaturate) {
  const std::vector<float> inputs = {0.5f / 32768,  1.5f / 32768,  2.5f / 32768, -0.5f / 32768,
                                     -1.5f / 32768, 0.25f / 32768, 1.0f,         2.0f,
                                     -1.0f,         -3.0f,         1e9f,         -1e9f};
  const std::vector<std::int16_t> expected = {0, 2, 2, 0, -2, 0, 32767, 32767, -32768, -32768, 32767, -32768};
  for (const std::size_t repeat : {1u, 3u}) {  // 12 and 36 samples: scalar, then vector + tail
    std::vector<float> source;
    std::vector<std::int16_t> wanted;
    for (std::size_t r = 0; r < repeat; ++r) {
      source.insert(source.end(), inputs.begin(), inputs.end());
      wanted.insert(wanted.end(), expected.begin(), expected.end());
    }
    std::vector<std::uint8_t> out(source.size() * 2);
    float_to_s16(source.data(), out.data(), source.size());
    std::vector<std::int16_t> got(source.size());
    std::memcpy(got.data(), out.data(), out.size());
    EXPECT_EQ(got, wanted) << repeat;
  }
}

}  // namespace
}  // namespace sts::audio
