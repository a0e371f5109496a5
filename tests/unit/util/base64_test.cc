#include "util/base64.h"

#include <gtest/gtest.h>

#include <random>

namespace sts::util {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(bytes_of("")), "");
  EXPECT_EQ(base64_encode(bytes_of("f")), "Zg==");
  EXPECT_EQ(base64_encode(bytes_of("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(bytes_of("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(bytes_of("foobar")), "Zm9vYmFy");
}

TEST(Base64, DecodesRfc4648Vectors) {
  EXPECT_EQ(base64_decode("Zg=="), bytes_of("f"));
  EXPECT_EQ(base64_decode("Zm8="), bytes_of("fo"));
  EXPECT_EQ(base64_decode("Zm9vYmFy"), bytes_of("foobar"));
  EXPECT_EQ(base64_decode(""), bytes_of(""));
}

TEST(Base64, RoundTripsRandomBytesOfEveryLengthRemainder) {
  std::mt19937 generator(7);
  for (std::size_t size = 0; size < 64; ++size) {
    std::vector<std::uint8_t> bytes(size);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(generator());
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << size;
  }
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_FALSE(base64_decode("Zg="));        // not a multiple of four
  EXPECT_FALSE(base64_decode("Z===").has_value());
  EXPECT_FALSE(base64_decode("Zm9v!mFy"));   // outside the alphabet
  EXPECT_FALSE(base64_decode("Zg==Zg=="));   // padding in the middle
  EXPECT_FALSE(base64_decode("Zm9-"));       // base64url is not accepted here
}

}  // namespace
}  // namespace sts::util
