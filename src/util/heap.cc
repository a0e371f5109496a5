#include "util/heap.h"

#include <malloc.h>

namespace sts::util {

void keep_freed_buffers() {
  // 32 MiB is glibc's ceiling for the mmap threshold on 64-bit; the trim
  // threshold lets a burst of streams keep its buffers warm.
  constexpr int kMmapThresholdBytes = 32 << 20;
  constexpr int kTrimThresholdBytes = 128 << 20;
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
}

}  // namespace sts::util
