#include "worker/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sts::worker {
namespace {

std::string fraction_label(double fraction) {
  char label[16];
  std::snprintf(label, sizeof label, "p%g", fraction * 100);
  return label;
}

// Stages in pipeline order first, the rest alphabetically: the table reads like
// the path a fragment takes.
std::vector<std::string> ordered_names(const std::map<std::string, std::vector<double>>& samples) {
  static const std::vector<std::string> kOrder = {"worker", "ack",         "processing", "queued",         "decode",
                                                  "asr",    "translation", "tts",        "duration_match", "encode"};
  std::vector<std::string> names;
  for (const auto& name : kOrder) {
    if (samples.contains(name)) names.push_back(name);
  }
  for (const auto& [name, values] : samples) {
    if (std::find(kOrder.begin(), kOrder.end(), name) == kOrder.end()) names.push_back(name);
  }
  return names;
}

}  // namespace

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::clamp(fraction, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(rank));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (values[above] - values[below]) * (rank - static_cast<double>(below));
}

std::size_t RunStats::fragments() const {
  std::size_t total = 0;
  for (const auto& [status, count] : fragments_by_status) total += count;
  return total;
}

util::Json RunStats::to_json(const std::vector<double>& fractions) const {
  util::Json latencies = util::Json::object();
  for (const auto& [name, values] : latency_ms) {
    util::Json entry = {{"count", values.size()},
                        {"max", values.empty() ? 0.0 : *std::max_element(values.begin(), values.end())}};
    for (const double fraction : fractions) entry[fraction_label(fraction)] = percentile(values, fraction);
    latencies[name] = std::move(entry);
  }
  return {{"fragments", fragments()}, {"fragments_by_status", fragments_by_status}, {"errors_by_code", errors_by_code},
          {"retries", retries},       {"backpressure_events", backpressure_events}, {"lost", lost},
          {"reordered", reordered},   {"latency_ms", std::move(latencies)}};
}

std::string RunStats::table(const std::vector<double>& fractions) const {
  std::string out;
  char cell[64];
  std::snprintf(cell, sizeof cell, "%-16s %7s", "latency ms", "count");
  out += cell;
  for (const double fraction : fractions) {
    std::snprintf(cell, sizeof cell, " %9s", fraction_label(fraction).c_str());
    out += cell;
  }
  out += "\n";
  for (const auto& name : ordered_names(latency_ms)) {
    const auto& values = latency_ms.at(name);
    std::snprintf(cell, sizeof cell, "%-16s %7zu", name.c_str(), values.size());
    out += cell;
    for (const double fraction : fractions) {
      std::snprintf(cell, sizeof cell, " %9.1f", percentile(values, fraction));
      out += cell;
    }
    out += "\n";
  }
  return out;
}

}  // namespace sts::worker
