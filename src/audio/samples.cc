#include "audio/samples.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sts::audio {
namespace {

static_assert(std::endian::native == std::endian::little, "the wire is little-endian");
constexpr float kScale = 32768.0f;

void s16_to_float_scalar(const std::uint8_t* source, float* destination, std::size_t samples) {
  for (std::size_t i = 0; i < samples; ++i) {
    std::int16_t sample = 0;
    std::memcpy(&sample, source + 2 * i, 2);
    destination[i] = static_cast<float>(sample) / kScale;
  }
}

void float_to_s16_scalar(const float* source, std::uint8_t* destination, std::size_t samples) {
  for (std::size_t i = 0; i < samples; ++i) {
    const float scaled = std::isnan(source[i]) ? 0.0f : std::clamp(source[i] * kScale, -32768.0f, 32767.0f);
    const auto value = static_cast<std::int16_t>(std::nearbyint(scaled));
    std::memcpy(destination + 2 * i, &value, 2);
  }
}

#if defined(__x86_64__)
bool has_avx2() {
  static const bool supported = __builtin_cpu_supports("avx2");
  return supported;
}

__attribute__((target("avx2"))) std::size_t s16_to_float_avx2(const std::uint8_t* source, float* destination,
                                                              std::size_t samples) {
  const __m256 scale = _mm256_set1_ps(1.0f / kScale);
  std::size_t i = 0;
  for (; i + 8 <= samples; i += 8) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(source + 2 * i));
    const __m256 widened = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(packed));
    _mm256_storeu_ps(destination + i, _mm256_mul_ps(widened, scale));
  }
  return i;
}

// Clamped as floats first (cvtps turns anything past 2^31 into the negative limit),
// then cvtps rounds to nearest even, as nearbyint does.
__attribute__((target("avx2"))) inline __m256i scaled_int32_avx2(const float* at) {
  const __m256 scaled = _mm256_mul_ps(_mm256_loadu_ps(at), _mm256_set1_ps(kScale));
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(scaled, _mm256_set1_ps(-32768.0f)), _mm256_set1_ps(32767.0f)));
}

__attribute__((target("avx2"))) std::size_t float_to_s16_avx2(const float* source, std::uint8_t* destination,
                                                              std::size_t samples) {
  std::size_t i = 0;
  for (; i + 16 <= samples; i += 16) {
    const __m256i low = scaled_int32_avx2(source + i);
    const __m256i high = scaled_int32_avx2(source + i + 8);
    // packs works within 128-bit lanes; the permute restores sample order.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(low, high), 0b11011000);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(destination + 2 * i), packed);
  }
  return i;
}
#endif

}  // namespace

void s16_to_float(const std::uint8_t* source, float* destination, std::size_t samples) {
  std::size_t done = 0;
#if defined(__x86_64__)
  if (has_avx2()) done = s16_to_float_avx2(source, destination, samples);
#endif
  s16_to_float_scalar(source + 2 * done, destination + done, samples - done);
}

void float_to_s16(const float* source, std::uint8_t* destination, std::size_t samples) {
  std::size_t done = 0;
#if defined(__x86_64__)
  if (has_avx2()) done = float_to_s16_avx2(source, destination, samples);
#endif
  float_to_s16_scalar(source + done, destination + 2 * done, samples - done);
}

}  // namespace sts::audio
