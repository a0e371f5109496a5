// The keys of a map, in its order: for registries whose keys are the names a setting
// accepts, so that the list of names can never disagree with what can be built.
#pragma once

#include <string>
#include <vector>

namespace sts::util {

template <typename Map>
std::vector<std::string> keys(const Map& map) {
  std::vector<std::string> names;
  names.reserve(map.size());
  for (const auto& entry : map) names.emplace_back(entry.first);
  return names;
}

}  // namespace sts::util
