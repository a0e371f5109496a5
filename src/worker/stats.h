// What a worker run measured: fragments by final status, errors by code, retries,
// and latency samples per name ("worker": sent -> fragment:processed as the worker
// saw it, "ack", "processing", and every stage the server timed). Shared by the
// streams of one run; everything happens on the run's one io thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "util/json.h"

namespace sts::worker {

// The `fraction` (0..1) quantile of `values`, interpolated linearly between the two
// nearest ranks (as numpy's default); 0 for no values.
double percentile(std::vector<double> values, double fraction);

struct RunStats {
  std::map<std::string, std::size_t> fragments_by_status;  // final outcomes: success, partial, failed
  std::map<std::string, std::size_t> errors_by_code;       // every failed attempt and rejection
  std::size_t retries = 0;
  std::size_t backpressure_events = 0;
  // Sent and never answered when the stream ended, and first answers that came after a
  // later fragment's: both break the protocol's promise, so a soak counts them.
  std::size_t lost = 0;
  std::size_t reordered = 0;
  std::map<std::string, std::vector<double>> latency_ms;

  std::size_t fragments() const;
  void add_latency(const std::string& name, double ms) { latency_ms[name].push_back(ms); }
  // Every field, with latencies as {"p50": ..} for each of `fractions` plus count and max.
  util::Json to_json(const std::vector<double>& fractions) const;
  // A plain-text table for people: one row per latency name, a column per fraction.
  std::string table(const std::vector<double>& fractions) const;
};

}  // namespace sts::worker
