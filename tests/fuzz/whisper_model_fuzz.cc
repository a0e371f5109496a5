// The whisper model file check, which stands between an operator's ASR_MODEL_PATH
// and whisper.cpp's trusting loader: any bytes must give a verdict, never a crash or
// a huge allocation. The bytes reach it as a file, as a model does (an in-memory one).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "asr/whisper_model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd_create("whisper-model", 0);
  if (fd < 0) return 0;
  std::size_t written = 0;
  while (written < size) {
    const auto count = write(fd, data + written, size - written);
    if (count <= 0) break;
    written += static_cast<std::size_t>(count);
  }
  (void)sts::asr::check_whisper_model_file("/proc/self/fd/" + std::to_string(fd));
  close(fd);
  return 0;
}
