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
  EXPECT_FALSE(base64_decode("Zg="));  // not a multiple of four
  EXPECT_FALSE(base64_decode("Z===").has_value());
  EXPECT_FALSE(base64_decode("Zm9v!mFy"));  // outside the alphabet
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // padding in the middle
  EXPECT_FALSE(base64_decode("Zm9-"));      // base64url is not accepted here
}

// A plain, obviously right encoder to hold the vectorised one against.
std::string reference_encode(const std::vector<std::uint8_t>& bytes) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const auto byte : bytes) {
    bits = bits << 8 | byte;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 63];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

TEST(Base64, LongInputsMatchTheReferenceAtEveryLength) {
  std::mt19937 generator(11);
  for (std::size_t size = 0; size < 1200; size += (size < 300 ? 1 : 37)) {
    std::vector<std::uint8_t> bytes(size);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(generator());
    const std::string encoded = base64_encode(bytes);
    ASSERT_EQ(encoded, reference_encode(bytes)) << size;
    ASSERT_EQ(base64_decode(encoded), bytes) << size;
  }
}

TEST(Base64, EncodingAppendsAcrossItsChunkBoundaries) {
  std::mt19937 generator(12);
  // The encoder works 3072 input bytes at a time.
  for (const std::size_t size : {3071u, 3072u, 3073u, 3074u, 6144u, 6146u, 100000u}) {
    std::vector<std::uint8_t> bytes(size);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(generator());
    std::string out = "prefix:";
    base64_encode_append(bytes, out);
    ASSERT_EQ(out, "prefix:" + reference_encode(bytes)) << size;
  }
}

TEST(Base64, EveryBadByteAnywhereInALongTextIsRejected) {
  std::vector<std::uint8_t> bytes(600);
  std::mt19937 generator(3);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(generator());
  const std::string valid = base64_encode(bytes);
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t position : {0ul, 5ul, 31ul, 32ul, 100ul, 517ul, valid.size() - 5}) {
    for (int value = 0; value < 256; ++value) {
      std::string text = valid;
      text[position] = static_cast<char>(value);
      const bool in_alphabet = kAlphabet.find(static_cast<char>(value)) != std::string_view::npos;
      ASSERT_EQ(base64_decode(text).has_value(), in_alphabet) << position << " " << value;
      ASSERT_EQ(base64_decoded_size(text).has_value(), in_alphabet) << position << " " << value;
    }
  }
}

TEST(Base64, DecodedSizeAgreesWithDecode) {
  for (const std::string_view text : {"", "Zg==", "Zm8=", "Zm9v", "Zg=", "Z===", "====", "Zm9v!mFy", "Zg==Zg==", "Zm9-",
                                      "A=B=", "AB=C", "Zm9vYmFy"}) {
    const auto decoded = base64_decode(text);
    const auto size = base64_decoded_size(text);
    ASSERT_EQ(size.has_value(), decoded.has_value()) << text;
    if (size) {
      EXPECT_EQ(*size, decoded->size()) << text;
    }
  }
  std::mt19937 generator(5);
  for (std::size_t length = 0; length < 400; length += 7) {
    std::vector<std::uint8_t> bytes(length);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(generator());
    EXPECT_EQ(base64_decoded_size(base64_encode(bytes)), length);
  }
}

}  // namespace
}  // namespace sts::util
