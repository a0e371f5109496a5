#include "observability/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace sts::observability {
namespace {

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    out.append(text, result.ptr);
  }
}

// HELP text escapes backslash and newline; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
}

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// `{a="x",b="y"}`, with an optional extra label last (histograms' le); nothing when
// there are no labels at all.
void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    append_escaped(out, values[i], true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<std::string>& names, const std::vector<std::string>& values, double value,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out += name;
  out += suffix;
  append_labels(out, names, values, extra_name, extra_value);
  out += ' ';
  append_number(out, value);
  out += '\n';
}

void expose_family(std::string& out, const Family<Counter>& family) {
  append_header(out, family.name(), family.help(), "counter");
  family.for_each([&](const std::vector<std::string>& values, const Counter& counter) {
    append_sample(out, family.name(), "", family.label_names(), values, counter.value());
  });
}

void expose_family(std::string& out, const Family<Gauge>& family) {
  append_header(out, family.name(), family.help(), "gauge");
  family.for_each([&](const std::vector<std::string>& values, const Gauge& gauge) {
    append_sample(out, family.name(), "", family.label_names(), values, gauge.value());
  });
}

void expose_family(std::string& out, const Family<Histogram>& family) {
  append_header(out, family.name(), family.help(), "histogram");
  family.for_each([&](const std::vector<std::string>& values, const Histogram& histogram) {
    const auto snapshot = histogram.snapshot();
    const auto bounds = histogram.upper_bounds();
    std::string le;
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      le.clear();
      append_number(le, i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity());
      append_sample(out, family.name(), "_bucket", family.label_names(), values,
                    static_cast<double>(snapshot.cumulative[i]), "le", le);
    }
    append_sample(out, family.name(), "_sum", family.label_names(), values, snapshot.sum);
    append_sample(out, family.name(), "_count", family.label_names(), values, static_cast<double>(snapshot.count));
  });
}

template <typename Metric, typename... Args>
Family<Metric>& add_family(std::vector<std::unique_ptr<Family<Metric>>>& families, std::string name, std::string help,
                           std::vector<std::string> label_names, Args... args) {
  auto& family =
      *families.emplace_back(std::make_unique<Family<Metric>>(std::move(name), std::move(help), std::move(label_names),
                                                              [args...] { return std::make_unique<Metric>(args...); }));
  // A metric without labels is always exposed, as 0 until something happens.
  if (family.label_names().empty()) family.with(std::vector<std::string>{});
  return family;
}

}  // namespace

void Counter::advance_to(double total) {
  double current = value_.load(std::memory_order_relaxed);
  while (total > current && !value_.compare_exchange_weak(current, total, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds.begin(), upper_bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds.size() + 1)) {
  if (!std::is_sorted(upper_bounds_.begin(), upper_bounds_.end())) {
    throw std::invalid_argument("histogram bucket bounds must ascend");
  }
}

void Histogram::observe(double value) {
  const auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(upper_bounds_.size() + 1);
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
    snapshot.count += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(snapshot.count);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::span<const double> latency_buckets() {
  static constexpr double kBounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30};
  return kBounds;
}

void Registry::check_unique(const std::string& name) const {
  for (const auto& entry : order_) {
    const bool taken = std::visit([&](const auto* family) { return family->name() == name; }, entry);
    if (taken) throw std::invalid_argument("metric registered twice: " + name);
  }
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  const util::MutexLock lock(mutex_);
  check_unique(name);
  auto& family = add_family(counters_, std::move(name), std::move(help), std::move(label_names));
  order_.emplace_back(&family);
  return family;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  const util::MutexLock lock(mutex_);
  check_unique(name);
  auto& family = add_family(gauges_, std::move(name), std::move(help), std::move(label_names));
  order_.emplace_back(&family);
  return family;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                       std::span<const double> upper_bounds) {
  const util::MutexLock lock(mutex_);
  check_unique(name);
  // The factory keeps its own copy of the bounds: children are made later.
  auto& family = add_family(histograms_, std::move(name), std::move(help), std::move(label_names),
                            std::vector<double>(upper_bounds.begin(), upper_bounds.end()));
  order_.emplace_back(&family);
  return family;
}

void Registry::add_collector(std::function<void()> collect) {
  const util::MutexLock lock(mutex_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::expose() const {
  const util::MutexLock lock(mutex_);
  for (const auto& collect : collectors_) collect();
  std::string out;
  out.reserve(16 * 1024);
  for (const auto& entry : order_) {
    std::visit([&](const auto* family) { expose_family(out, *family); }, entry);
  }
  return out;
}

}  // namespace sts::observability
