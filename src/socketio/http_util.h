// Small HTTP helpers for the Engine.IO endpoint: query strings and ids.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sts::socketio {

// Splits "a=1&b=x%20y" into decoded pairs; later duplicates win.
std::map<std::string, std::string> parse_query(std::string_view query);

// 20 characters of base64url from 15 random bytes, as socket.io's base64id does.
std::string random_id();

// Letters, digits, '-' and '_' only: safe in a cookie's name or value as it is.
bool is_base64url(std::string_view text);

// The value of cookie `name` in a Cookie header ("a=1; name=value"), when it is 1 to 64
// characters of base64url, as random_id() makes; anything else is not ours.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace sts::socketio
