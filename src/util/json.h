// JSON at wire speed: simdjson parses, nlohmann::json is the value type handlers see,
// and a serializer that copies clean runs of a string in one go writes it back. Audio
// arrives as megabyte base64 strings inside JSON, so both directions are hot paths.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace sts::util {

using Json = nlohmann::json;

// Bytes past a text's end that, when a parser may read them (never use them), let it
// parse a megabyte message in place rather than copy it into a padded buffer first.
inline constexpr std::size_t kJsonPadding = 64;

// Parses one complete JSON text. The error names what simdjson rejected.
// `readable_past_end`: how many bytes after the text are allocated and may be read.
tl::expected<Json, std::string> parse_json(std::string_view text, std::size_t readable_past_end = 0);

// Whether `text` is well-formed UTF-8, checked with simdjson's vectorised validator.
bool valid_utf8(std::string_view text);

// A value the caller writes itself, found by address: a megabyte of audio is then
// base64-encoded straight into the output, never held in a Json string and copied.
struct JsonSplice {
  const Json* at = nullptr;
  std::function<void(std::string& out)> write;  // appends the value's JSON text
};

// Appends the compact serialization of `value`. Binary values (which JSON cannot
// carry) are written as null: callers replace them with placeholders beforehand.
void write_json(const Json& value, std::string& out, const JsonSplice* splice = nullptr);
std::string to_json(const Json& value);

}  // namespace sts::util
