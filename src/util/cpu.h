// What the CPU can do, for code with a faster path on some of them.
#pragma once

namespace sts::util {

#if defined(__x86_64__)
// Asked once: the answer cannot change while the process runs.
inline bool has_avx2() {
  static const bool supported = __builtin_cpu_supports("avx2");
  return supported;
}
#endif

}  // namespace sts::util
