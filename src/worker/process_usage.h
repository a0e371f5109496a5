// Another process's CPU time and memory from /proc, for load runs that watch the
// server they load.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sts::worker {

struct ProcessUsage {
  double cpu_seconds = 0;    // user + system, since the process started
  std::int64_t rss_kb = 0;   // resident now (VmRSS)
  std::int64_t peak_kb = 0;  // the most it was ever resident (VmHWM)
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessUsage> read_process_usage(int pid);

// The parsers, apart for tests: /proc/PID/stat (CPU ticks) and /proc/PID/status.
std::optional<double> parse_cpu_seconds(std::string_view stat, long ticks_per_second);
std::optional<std::int64_t> parse_status_kb(std::string_view status, std::string_view key);

}  // namespace sts::worker
