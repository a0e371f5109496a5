// One definition of a percentile for every figure the service reports (stream:complete,
// the dashboard), so two of them never disagree on the same data.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace sts::util {

// Nearest rank: the smallest value with at least `q` (0..1] of the values at or below
// it; 0 for none.
template <typename T>
T nearest_rank(std::vector<T> values, double q) {
  if (values.empty()) return T{};
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  const auto index = std::clamp<std::size_t>(rank, 1, values.size()) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
  return values[index];
}

}  // namespace sts::util
