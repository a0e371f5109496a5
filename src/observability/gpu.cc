#include "observability/gpu.h"

#include <dlfcn.h>

namespace sts::observability {
namespace {

// The few NVML declarations we use, as nvml.h has them; the header is not packaged
// for Debian's main archive, and the ABI of these versioned entry points is stable.
using NvmlReturn = int;
constexpr NvmlReturn kNvmlSuccess = 0;
struct NvmlDeviceOpaque;
using NvmlDevice = NvmlDeviceOpaque*;
struct NvmlUtilization {
  unsigned int gpu;
  unsigned int memory;
};
struct NvmlMemory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

}  // namespace

struct GpuMonitor::Library {
  void* handle = nullptr;
  NvmlReturn (*init)() = nullptr;
  NvmlReturn (*shutdown)() = nullptr;
  NvmlReturn (*device_count)(unsigned int*) = nullptr;
  NvmlReturn (*device_by_index)(unsigned int, NvmlDevice*) = nullptr;
  NvmlReturn (*utilization)(NvmlDevice, NvmlUtilization*) = nullptr;
  NvmlReturn (*memory)(NvmlDevice, NvmlMemory*) = nullptr;

  template <typename Fn>
  bool bind(Fn& fn, const char* name) {
    fn = reinterpret_cast<Fn>(dlsym(handle, name));
    return fn != nullptr;
  }
};

std::unique_ptr<GpuMonitor> GpuMonitor::open() {
  auto library = std::make_unique<Library>();
  library->handle = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library->handle == nullptr) return nullptr;
  const bool bound = library->bind(library->init, "nvmlInit_v2") && library->bind(library->shutdown, "nvmlShutdown") &&
                     library->bind(library->device_count, "nvmlDeviceGetCount_v2") &&
                     library->bind(library->device_by_index, "nvmlDeviceGetHandleByIndex_v2") &&
                     library->bind(library->utilization, "nvmlDeviceGetUtilizationRates") &&
                     library->bind(library->memory, "nvmlDeviceGetMemoryInfo");
  unsigned int count = 0;
  if (!bound || library->init() != kNvmlSuccess) {
    dlclose(library->handle);
    return nullptr;
  }
  if (library->device_count(&count) != kNvmlSuccess || count == 0) {
    library->shutdown();
    dlclose(library->handle);
    return nullptr;
  }
  return std::unique_ptr<GpuMonitor>(new GpuMonitor(std::move(library)));
}

GpuMonitor::GpuMonitor(std::unique_ptr<Library> library) : library_(std::move(library)) {}

GpuMonitor::~GpuMonitor() {
  library_->shutdown();
  dlclose(library_->handle);
}

GpuSample GpuMonitor::sample() const {
  GpuSample sample;
  unsigned int count = 0;
  if (library_->device_count(&count) != kNvmlSuccess) return sample;
  double utilization_total = 0;
  for (unsigned int index = 0; index < count; ++index) {
    NvmlDevice device = nullptr;
    NvmlUtilization utilization{};
    NvmlMemory memory{};
    if (library_->device_by_index(index, &device) != kNvmlSuccess ||
        library_->utilization(device, &utilization) != kNvmlSuccess ||
        library_->memory(device, &memory) != kNvmlSuccess) {
      continue;
    }
    ++sample.devices;
    utilization_total += utilization.gpu;
    sample.memory_used_bytes += memory.used;
    sample.memory_total_bytes += memory.total;
  }
  if (sample.devices > 0) sample.utilization_percent = utilization_total / sample.devices;
  return sample;
}

}  // namespace sts::observability
