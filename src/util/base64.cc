#include "util/base64.h"

#include <array>

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

}  // namespace

void base64_encode_append(std::span<const std::uint8_t> bytes, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + base64_encoded_size(bytes.size()));
  char* dst = out.data() + start;
  const std::uint8_t* src = bytes.data();
  std::size_t remaining = bytes.size();
  for (; remaining >= 3; remaining -= 3, src += 3, dst += 4) {
    const std::uint32_t v = std::uint32_t{src[0]} << 16 | std::uint32_t{src[1]} << 8 | src[2];
    dst[0] = kAlphabet[v >> 18];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = kAlphabet[(v >> 6) & 63];
    dst[3] = kAlphabet[v & 63];
  }
  if (remaining > 0) {
    const std::uint32_t v = std::uint32_t{src[0]} << 16 | (remaining == 2 ? std::uint32_t{src[1]} << 8 : 0u);
    dst[0] = kAlphabet[v >> 18];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = remaining == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    dst[3] = '=';
  }
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  base64_encode_append(bytes, out);
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::vector<std::uint8_t> out(text.size() / 4 * 3 - padding);
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  std::uint8_t* dst = out.data();
  const std::size_t full_quads = text.size() / 4 - (padding > 0 ? 1 : 0);
  for (std::size_t q = 0; q < full_quads; ++q, src += 4, dst += 3) {
    const std::uint32_t a = kDecode[src[0]], b = kDecode[src[1]], c = kDecode[src[2]], d = kDecode[src[3]];
    if (((a | b | c | d) & 0xC0) != 0) return std::nullopt;  // any invalid symbol is 0xff
    const std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
    dst[0] = static_cast<std::uint8_t>(v >> 16);
    dst[1] = static_cast<std::uint8_t>(v >> 8);
    dst[2] = static_cast<std::uint8_t>(v);
  }
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
