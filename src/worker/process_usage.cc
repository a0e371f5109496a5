#include "worker/process_usage.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace sts::worker {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

std::optional<std::int64_t> to_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> parse_cpu_seconds(std::string_view stat, long ticks_per_second) {
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields
  // are counted from the last ')'. After it come state (3) ... utime (14), stime (15).
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  std::int64_t ticks = 0;
  for (int field = 3; field <= 15; ++field) {
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    const std::string_view token = rest.substr(0, rest.find(' '));
    if (token.empty()) return std::nullopt;
    if (field >= 14) {
      const auto value = to_integer(token);
      if (!value) return std::nullopt;
      ticks += *value;
    }
    rest.remove_prefix(token.size());
  }
  return static_cast<double>(ticks) / static_cast<double>(ticks_per_second);
}

std::optional<std::int64_t> parse_status_kb(std::string_view status, std::string_view key) {
  for (std::size_t at = 0; at < status.size();) {
    const std::size_t end = std::min(status.find('\n', at), status.size());
    std::string_view line = status.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    line.remove_prefix(key.size() + 1);
    line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
    return to_integer(line.substr(0, line.find(' ')));
  }
  return std::nullopt;
}

std::optional<ProcessUsage> read_process_usage(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  const auto stat = read_text(dir + "/stat");
  const auto status = read_text(dir + "/status");
  if (!stat || !status) return std::nullopt;
  const auto cpu = parse_cpu_seconds(*stat, sysconf(_SC_CLK_TCK));
  const auto rss = parse_status_kb(*status, "VmRSS");
  const auto peak = parse_status_kb(*status, "VmHWM");
  if (!cpu || !rss || !peak) return std::nullopt;
  return ProcessUsage{*cpu, *rss, *peak};
}

}  // namespace sts::worker
