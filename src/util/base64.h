// Standard base64 (RFC 4648 §4, padded): audio payloads in JSON and binary packets
// in Engine.IO polling both use it, so it sits on the hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sts::util {

std::string base64_encode(std::span<const std::uint8_t> bytes);
void base64_encode_append(std::span<const std::uint8_t> bytes, std::string& out);

// Rejects anything but canonical padded base64: a wrong alphabet, a length that is
// not a multiple of four or misplaced padding all return nullopt.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

// What base64_decode would return the size of, without decoding: nullopt exactly
// when it would fail. A validity check at a fraction of a decode's cost.
std::optional<std::size_t> base64_decoded_size(std::string_view text);

constexpr std::size_t base64_encoded_size(std::size_t bytes) { return (bytes + 2) / 3 * 4; }

}  // namespace sts::util
