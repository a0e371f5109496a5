// Audio hot paths per 6 s programme fragment (48 kHz stereo, test-data):
// decode to PCM and resample to 16 kHz mono for ASR, encode a reply in each wire
// format, and a rubberband stretch of 6 s.
// Run: build/release/bench/audio_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "audio/codec.h"
#include "audio/stretch.h"

namespace {

using sts::audio::AudioFormat;

std::vector<std::uint8_t> fragment(const char* extension) {
  std::ifstream file(std::string(STS_DATA_DIR) + "/program/frag_000." + extension, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

sts::audio::PcmBuffer decoded() {
  return *sts::audio::decode_payload(fragment("s16"), {AudioFormat::pcm_s16le, 48000, 2, 6000});
}

void BM_DecodeAndResampleForAsr(benchmark::State& state, const char* extension, AudioFormat format) {
  const auto bytes = fragment(extension);
  for (auto _ : state) {
    auto pcm = sts::audio::decode_payload(bytes, {format, 48000, 2, 6000});
    benchmark::DoNotOptimize(sts::audio::convert(std::move(*pcm), 16000, 1));
  }
}
BENCHMARK_CAPTURE(BM_DecodeAndResampleForAsr, s16, "s16", AudioFormat::pcm_s16le)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeAndResampleForAsr, f32, "f32", AudioFormat::pcm_f32le)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeAndResampleForAsr, wav, "wav", AudioFormat::wav)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeAndResampleForAsr, m4a, "m4a", AudioFormat::m4a)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeAndResampleForAsr, adts, "aac", AudioFormat::m4a)->Unit(benchmark::kMillisecond);

void BM_Encode(benchmark::State& state, AudioFormat format) {
  const auto pcm = decoded();
  for (auto _ : state) benchmark::DoNotOptimize(sts::audio::encode_payload(pcm, format));
}
BENCHMARK_CAPTURE(BM_Encode, s16, AudioFormat::pcm_s16le)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, f32, AudioFormat::pcm_f32le)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, wav, AudioFormat::wav)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, m4a, AudioFormat::m4a)->Unit(benchmark::kMillisecond);

// The target: a 6 s m4a decoded and a reply encoded, under 15 ms.
void BM_M4aDecodePlusEncode(benchmark::State& state) {
  const auto bytes = fragment("m4a");
  for (auto _ : state) {
    auto pcm = sts::audio::decode_payload(bytes, {AudioFormat::m4a, 48000, 2, 6000});
    benchmark::DoNotOptimize(sts::audio::encode_payload(*pcm, AudioFormat::m4a));
  }
}
BENCHMARK(BM_M4aDecodePlusEncode)->Unit(benchmark::kMillisecond);

// 6 s of 48 kHz stereo speech stretched by 1.2x (target: under 150 ms). The
// programme is dual mono, which is stretched once; "stereo" makes the channels
// differ so both are processed.
void BM_Stretch6s(benchmark::State& state, bool dual_mono) {
  auto pcm = decoded();
  if (!dual_mono) {
    for (std::size_t i = 1; i < pcm.samples.size(); i += 2) pcm.samples[i] *= 0.5f;
  }
  for (auto _ : state) benchmark::DoNotOptimize(sts::audio::stretch_to(pcm, pcm.frames() * 6 / 5));
}
BENCHMARK_CAPTURE(BM_Stretch6s, stereo, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Stretch6s, dual_mono, true)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
