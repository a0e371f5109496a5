#include "util/json.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "util/cpu.h"

namespace sts::util {
namespace {

Json to_nlohmann(simdjson::dom::element element) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::ARRAY: {
      Json array = Json::array();
      auto& items = array.get_ref<Json::array_t&>();
      simdjson::dom::array source;
      if (element.get_array().get(source) != simdjson::SUCCESS) return array;
      items.reserve(source.size());
      for (simdjson::dom::element item : source) items.push_back(to_nlohmann(item));
      return array;
    }
    case element_type::OBJECT: {
      Json object = Json::object();
      auto& members = object.get_ref<Json::object_t&>();
      simdjson::dom::object source;
      if (element.get_object().get(source) != simdjson::SUCCESS) return object;
      for (simdjson::dom::key_value_pair field : source) {
        members.insert_or_assign(std::string(field.key), to_nlohmann(field.value));
      }
      return object;
    }
    case element_type::STRING: return Json(std::string(std::string_view(element)));
    case element_type::INT64: return Json(std::int64_t(element));
    case element_type::UINT64: return Json(std::uint64_t(element));
    case element_type::DOUBLE: return Json(double(element));
    case element_type::BOOL: return Json(bool(element));
    case element_type::NULL_VALUE: return Json(nullptr);
  }
  return Json(nullptr);
}

// True when any byte of the 8-byte word is '"', '\\' or a control character: the
// classic SWAR zero-byte test applied to three masks at once.
inline bool needs_escape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const std::uint64_t quote = word ^ (kOnes * '"');
  const std::uint64_t backslash = word ^ (kOnes * '\\');
  const std::uint64_t control = word;  // bytes < 0x20
  const std::uint64_t hits =
      ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((control - kOnes * 0x20) & ~control);
  return (hits & kHigh) != 0;
}

#if defined(__x86_64__)
// Skips 32-byte blocks that need no escaping; returns where scalar scanning resumes.
// Audio arrives as megabyte base64 strings, which never need escaping.
__attribute__((target("avx2"))) std::size_t skip_clean_avx2(const char* data, std::size_t i, std::size_t size) {
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  const __m256i below_space = _mm256_set1_epi8(0x1f);
  for (; i + 32 <= size; i += 32) {
    const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
    const __m256i control = _mm256_cmpeq_epi8(_mm256_max_epu8(block, below_space), below_space);
    const __m256i special =
        _mm256_or_si256(control, _mm256_or_si256(_mm256_cmpeq_epi8(block, quote), _mm256_cmpeq_epi8(block, backslash)));
    if (_mm256_movemask_epi8(special) != 0) break;
  }
  return i;
}

#endif

void write_escaped(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char* data = text.data();
  const std::size_t size = text.size();
  // Headroom beyond the string itself: a megabyte string is usually followed by a few
  // more fields, and growing the buffer for them would copy the megabyte again.
  if (const std::size_t needed = out.size() + size + 2; out.capacity() < needed)
    out.reserve(needed + needed / 16 + 256);
  out.push_back('"');
  std::size_t clean_from = 0;
  std::size_t i = 0;
  while (i < size) {
#if defined(__x86_64__)
    if (size - i >= 64 && has_avx2()) {
      const std::size_t next = skip_clean_avx2(data, i, size);
      if (next != i) {
        i = next;
        continue;
      }
    }
#endif
    if (i + 8 <= size) {
      std::uint64_t word;
      std::memcpy(&word, data + i, 8);
      if (!needs_escape(word)) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(data[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(data + clean_from, i - clean_from);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        const std::array<char, 6> escape{'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(escape.data(), escape.size());
      }
    }
    clean_from = ++i;
  }
  out.append(data + clean_from, size - clean_from);
  out.push_back('"');
}

template <typename Number>
void write_number(Number number, std::string& out) {
  std::array<char, 32> buffer;
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  out.append(buffer.data(), result.ptr);
}

}  // namespace

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

// simdjson's own limit: deeper documents are refused, and nlohmann, which copies and
// writes values recursively, must never be handed one.
constexpr std::size_t kMaxNesting = 1024;

// Whether no array or object in `text` lies deeper than `limit`; strings are skipped.
bool nesting_within(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

tl::expected<Json, std::string> parse_json(std::string_view text, std::size_t readable_past_end) {
  // One parser per thread: simdjson parsers reuse their buffers between documents but
  // may not be shared across threads.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  const bool copy_first = readable_past_end < kJsonPadding;
  if (const auto error = parser.parse(text.data(), text.size(), copy_first).get(root); error != simdjson::SUCCESS) {
    // simdjson refuses integers beyond 64 bits, which are valid JSON: such a number
    // must reach the field checks, which name the field, instead of failing the whole
    // message. nlohmann reads it as a double, and refuses a number that is malformed.
    if (error == simdjson::NUMBER_ERROR && nesting_within(text, kMaxNesting)) {
      Json fallback = Json::parse(text, nullptr, false);
      if (!fallback.is_discarded()) return fallback;
    }
    return tl::unexpected(std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  return to_nlohmann(root);
}

bool valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

void write_json(const Json& value, std::string& out, const JsonSplice* splice) {
  if (splice != nullptr && &value == splice->at) {
    splice->write(out);
    return;
  }
  switch (value.type()) {
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        write_escaped(key, out);
        out.push_back(':');
        write_json(member, out, splice);
      }
      out.push_back('}');
      return;
    }
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_ref<const Json::array_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        write_json(item, out, splice);
      }
      out.push_back(']');
      return;
    }
    case Json::value_t::string: write_escaped(value.get_ref<const std::string&>(), out); return;
    case Json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Json::value_t::number_integer: write_number(value.get<std::int64_t>(), out); return;
    case Json::value_t::number_unsigned: write_number(value.get<std::uint64_t>(), out); return;
    case Json::value_t::number_float: {
      const double number = value.get<double>();
      if (std::isfinite(number)) {
        write_number(number, out);
      } else {
        out += "null";  // what JSON.stringify writes for NaN and infinities
      }
      return;
    }
    case Json::value_t::null:
    case Json::value_t::binary:
    case Json::value_t::discarded: out += "null"; return;
  }
}

std::string to_json(const Json& value) {
  std::string out;
  write_json(value, out);
  return out;
}

}  // namespace sts::util
