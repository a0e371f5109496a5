// A WAV from test-data as an ASR engine hears it: decoded by the server's own
// codec and converted to 16 kHz mono, as the pipeline does before VAD and ASR.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "asr/engine.h"
#include "audio/codec.h"

namespace sts::asr::test_data {

inline audio::PcmBuffer heard(const std::string& relative) {
  std::ifstream in(std::filesystem::path(STS_DATA_DIR) / relative, std::ios::binary);
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  auto pcm = audio::decode_payload(bytes, {audio::AudioFormat::wav, 0, 0, 0});
  EXPECT_TRUE(pcm) << relative;
  if (!pcm) return {};
  return audio::convert(std::move(*pcm), kSampleRateHz, 1);
}

}  // namespace sts::asr::test_data
