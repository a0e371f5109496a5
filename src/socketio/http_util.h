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

}  // namespace sts::socketio
