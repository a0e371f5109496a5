#include "util/base64.h"

#include <algorithm>
#include <array>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "util/cpu.h"

namespace sts::util {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr auto kDecode = make_decode_table();

// Scalar cores: whole groups only (3 bytes <-> 4 symbols), no padding.
void encode_groups(const std::uint8_t* src, std::size_t groups, char* dst) {
  for (std::size_t g = 0; g < groups; ++g, src += 3, dst += 4) {
    const std::uint32_t v = std::uint32_t{src[0]} << 16 | std::uint32_t{src[1]} << 8 | src[2];
    dst[0] = kAlphabet[v >> 18];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = kAlphabet[(v >> 6) & 63];
    dst[3] = kAlphabet[v & 63];
  }
}

bool decode_quads(const unsigned char* src, std::size_t quads, std::uint8_t* dst) {
  for (std::size_t q = 0; q < quads; ++q, src += 4, dst += 3) {
    const std::uint32_t a = kDecode[src[0]], b = kDecode[src[1]], c = kDecode[src[2]], d = kDecode[src[3]];
    if (((a | b | c | d) & 0xC0) != 0) return false;  // any invalid symbol is 0xff
    const std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
    dst[0] = static_cast<std::uint8_t>(v >> 16);
    dst[1] = static_cast<std::uint8_t>(v >> 8);
    dst[2] = static_cast<std::uint8_t>(v);
  }
  return true;
}

#if defined(__x86_64__)
// AVX2 kernels after Muła and Lemire, "Faster Base64 Encoding and Decoding Using
// AVX2 Instructions" (2018): 24 bytes <-> 32 symbols per step. Each returns how
// many groups it handled; the scalar code finishes (and, when decoding, finds the
// exact position of a bad symbol).

__attribute__((target("avx2"))) std::size_t encode_groups_avx2(const std::uint8_t* src, std::size_t groups, char* dst) {
  // Each 128-bit lane takes 12 input bytes; the 16-byte loads read 4 bytes past
  // them, so stop 2 groups early.
  const __m256i shuffle = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,  //
                                           1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  const __m256i shift_lut = _mm256_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                             '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,
                                             'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                             '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
  std::size_t done = 0;
  for (; done + 8 + 2 <= groups; done += 8, src += 24, dst += 32) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 12));
    const __m256i in = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), shuffle);
    // Spread the 24 bits of each group over four bytes, 6 bits each.
    const __m256i t0 =
        _mm256_mulhi_epu16(_mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00)), _mm256_set1_epi32(0x04000040));
    const __m256i t1 =
        _mm256_mullo_epi16(_mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0)), _mm256_set1_epi32(0x01000010));
    const __m256i indices = _mm256_or_si256(t0, t1);
    // Map 0..63 to the alphabet: one offset per range, chosen by a small LUT.
    __m256i range = _mm256_subs_epu8(indices, _mm256_set1_epi8(51));
    const __m256i below_26 = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), indices);
    range = _mm256_or_si256(range, _mm256_and_si256(below_26, _mm256_set1_epi8(13)));
    const __m256i symbols = _mm256_add_epi8(_mm256_shuffle_epi8(shift_lut, range), indices);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), symbols);
  }
  return done;
}

// Validation by nibble LUTs: a symbol is valid when its low- and high-nibble classes
// share no bit. Decoding needs the high nibbles again, so callers compute both.
__attribute__((target("avx2"))) inline bool symbols_valid_avx2(__m256i lo_nibbles, __m256i hi_nibbles) {
  const __m256i lut_lo =
      _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
                       0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
  const __m256i lut_hi =
      _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
                       0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  return _mm256_testz_si256(_mm256_shuffle_epi8(lut_lo, lo_nibbles), _mm256_shuffle_epi8(lut_hi, hi_nibbles)) != 0;
}

__attribute__((target("avx2"))) std::size_t decode_quads_avx2(const unsigned char* src, std::size_t quads,
                                                              std::uint8_t* dst) {
  const __m256i lut_roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                            0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i mask_2f = _mm256_set1_epi8(0x2f);
  const __m256i pack = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,  //
                                        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  std::size_t done = 0;
  // Each step stores 32 bytes of which 24 are output: keep 3 quads of slack.
  for (; done + 8 + 3 <= quads; done += 8, src += 32, dst += 24) {
    __m256i str = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
    const __m256i hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(str, 4), mask_2f);
    if (!symbols_valid_avx2(_mm256_and_si256(str, mask_2f), hi_nibbles)) break;
    const __m256i eq_2f = _mm256_cmpeq_epi8(str, mask_2f);
    str = _mm256_add_epi8(str, _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(eq_2f, hi_nibbles)));
    // Four 6-bit values -> one 24-bit value per 32-bit word, then pack the bytes.
    const __m256i pairs = _mm256_maddubs_epi16(str, _mm256_set1_epi32(0x01400140));
    const __m256i words = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    const __m256i bytes =
        _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(words, pack), _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), bytes);
  }
  return done;
}

// Validation alone, 32 symbols per step.
__attribute__((target("avx2"))) std::size_t valid_quads_avx2(const unsigned char* src, std::size_t quads) {
  const __m256i mask_2f = _mm256_set1_epi8(0x2f);
  std::size_t done = 0;
  for (; done + 8 <= quads; done += 8, src += 32) {
    const __m256i str = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
    if (!symbols_valid_avx2(_mm256_and_si256(str, mask_2f), _mm256_and_si256(_mm256_srli_epi32(str, 4), mask_2f))) {
      break;
    }
  }
  return done;
}

#endif

// '=' symbols at the end of text whose length is a multiple of four.
std::size_t padding_of(std::string_view text) {
  if (text.empty() || text.back() != '=') return 0;
  return text[text.size() - 2] == '=' ? 2 : 1;
}

}  // namespace

void base64_encode_append(std::span<const std::uint8_t> bytes, std::string& out) {
  // Encoded a chunk at a time through a buffer that stays in L1, then appended:
  // growing the string first would zero-fill megabytes only to overwrite them, and
  // std::string cannot grow uninitialized before C++23.
  constexpr std::size_t kChunkGroups = 1024;
  std::array<char, kChunkGroups * 4> chunk;
  out.reserve(out.size() + base64_encoded_size(bytes.size()));
  const std::uint8_t* src = bytes.data();
  for (std::size_t groups = bytes.size() / 3; groups > 0;) {
    const std::size_t n = std::min(groups, kChunkGroups);
    std::size_t done = 0;
#if defined(__x86_64__)
    if (has_avx2()) done = encode_groups_avx2(src, n, chunk.data());
#endif
    encode_groups(src + done * 3, n - done, chunk.data() + done * 4);
    out.append(chunk.data(), n * 4);
    src += n * 3;
    groups -= n;
  }
  const std::size_t remaining = bytes.size() % 3;
  if (remaining > 0) {
    const std::uint32_t v = std::uint32_t{src[0]} << 16 | (remaining == 2 ? std::uint32_t{src[1]} << 8 : 0u);
    const char tail[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63],
                          remaining == 2 ? kAlphabet[(v >> 6) & 63] : '=', '='};
    out.append(tail, 4);
  }
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  base64_encode_append(bytes, out);
  return out;
}

std::optional<std::size_t> base64_decoded_size(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  const std::size_t padding = padding_of(text);
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t full_quads = text.size() / 4 - (padding > 0 ? 1 : 0);
#if defined(__x86_64__)
  if (has_avx2()) {
    const std::size_t done = valid_quads_avx2(src, full_quads);
    src += done * 4;
    full_quads -= done;
  }
#endif
  for (std::size_t i = 0; i < full_quads * 4; ++i) {
    if (kDecode[src[i]] == kInvalid) return std::nullopt;
  }
  src += full_quads * 4;
  if (padding > 0) {
    for (std::size_t i = 0; i < 4 - padding; ++i) {
      if (kDecode[src[i]] == kInvalid) return std::nullopt;
    }
  }
  return text.size() / 4 * 3 - padding;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  const std::size_t padding = padding_of(text);
  std::vector<std::uint8_t> out(text.size() / 4 * 3 - padding);
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  std::uint8_t* dst = out.data();
  std::size_t full_quads = text.size() / 4 - (padding > 0 ? 1 : 0);
#if defined(__x86_64__)
  if (has_avx2()) {
    const std::size_t done = decode_quads_avx2(src, full_quads, dst);
    src += done * 4;
    dst += done * 3;
    full_quads -= done;
  }
#endif
  if (!decode_quads(src, full_quads, dst)) return std::nullopt;
  src += full_quads * 4;
  dst += full_quads * 3;
  if (padding > 0) {
    const std::uint32_t a = kDecode[src[0]], b = kDecode[src[1]];
    const std::uint32_t c = padding == 1 ? kDecode[src[2]] : 0;
    if (((a | b | c) & 0xC0) != 0) return std::nullopt;
    const std::uint32_t v = a << 18 | b << 12 | c << 6;
    dst[0] = static_cast<std::uint8_t>(v >> 16);
    if (padding == 1) dst[1] = static_cast<std::uint8_t>(v >> 8);
  }
  return out;
}

}  // namespace sts::util
