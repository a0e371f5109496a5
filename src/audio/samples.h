// 16-bit little-endian samples to float in [-1, 1) and back: the conversion every
// PCM fragment and reply goes through, so it is vectorised (AVX2 when the CPU has
// it) and exact: 16-bit audio survives a round trip bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sts::audio {

void s16_to_float(const std::uint8_t* source, float* destination, std::size_t samples);
// Rounds to nearest (ties to even) and saturates at the 16-bit range; NaN becomes 0
// (or the negative limit on the vector path: neither ever reaches it from a decoder).
void float_to_s16(const float* source, std::uint8_t* destination, std::size_t samples);

}  // namespace sts::audio
