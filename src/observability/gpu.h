// GPU load through NVML, found at run time: the server never links the NVIDIA driver,
// so one binary runs on machines with and without a GPU.
#pragma once

#include <cstdint>
#include <memory>

namespace sts::observability {

struct GpuSample {
  unsigned devices = 0;
  double utilization_percent = 0;       // mean over devices
  std::uint64_t memory_used_bytes = 0;  // summed over devices
  std::uint64_t memory_total_bytes = 0;
};

class GpuMonitor {
 public:
  // Null when libnvidia-ml is absent or finds no device.
  static std::unique_ptr<GpuMonitor> open();
  ~GpuMonitor();
  GpuMonitor(const GpuMonitor&) = delete;
  GpuMonitor& operator=(const GpuMonitor&) = delete;

  // Devices that stop answering are left out of the sample.
  GpuSample sample() const;

 private:
  struct Library;
  explicit GpuMonitor(std::unique_ptr<Library> library);
  std::unique_ptr<Library> library_;
};

}  // namespace sts::observability
