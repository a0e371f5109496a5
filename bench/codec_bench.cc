// Codec hot paths on an audio-sized message: base64, JSON parse/write, websocket
// framing, and the Socket.IO packet decode/encode the server runs per message.
// Run: build/release/bench/codec_bench
#include <benchmark/benchmark.h>

#include <array>
#include <random>

#include "socketio/socketio_packet.h"
#include "socketio/websocket_frame.h"
#include "util/base64.h"
#include "util/json.h"

namespace {

constexpr std::size_t kAudioBytes = 1'152'000;  // 6 s of 48 kHz stereo s16

std::vector<std::uint8_t> audio_bytes() {
  std::vector<std::uint8_t> bytes(kAudioBytes);
  std::mt19937 generator(1);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(generator());
  return bytes;
}

std::string fragment_event() {
  const std::string audio = sts::util::base64_encode(audio_bytes());
  return R"(2["fragment:data",{"fragment_id":"f-1","stream_id":"s","sequence_number":1,"timestamp":1,)"
         R"("audio":{"format":"pcm_s16le","sample_rate_hz":48000,"channels":2,"duration_ms":6000,"data_base64":")" +
         audio + R"("}}])";
}

void BM_Base64Encode(benchmark::State& state) {
  const auto bytes = audio_bytes();
  for (auto _ : state) benchmark::DoNotOptimize(sts::util::base64_encode(bytes));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}

void BM_Base64Decode(benchmark::State& state) {
  const std::string text = sts::util::base64_encode(audio_bytes());
  for (auto _ : state) benchmark::DoNotOptimize(sts::util::base64_decode(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_Base64Validate(benchmark::State& state) {
  // What a raw PCM fragment costs the network thread before its ack.
  const std::string text = sts::util::base64_encode(audio_bytes());
  for (auto _ : state) benchmark::DoNotOptimize(sts::util::base64_decoded_size(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

constexpr std::array<char, 4> kMaskKey{'\x5a', '\x13', '\x7e', '\x01'};

void BM_WebSocketUnmask(benchmark::State& state) {
  std::string payload = fragment_event();
  for (auto _ : state) {
    sts::socketio::ws::unmask(payload.data(), payload.size(), kMaskKey);
    benchmark::DoNotOptimize(payload.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
}

// What the server does with a client's one-frame message: read the header, unmask,
// check the UTF-8. Re-masking between iterations is not timed.
void BM_WebSocketAssembleFragment(benchmark::State& state) {
  const std::string event = fragment_event();
  const auto header = sts::socketio::ws::server_frame_header(sts::socketio::ws::Opcode::text, event.size());
  std::string frame(header.view());
  frame[1] = static_cast<char>(frame[1] | 0x80);
  frame.append(kMaskKey.data(), kMaskKey.size());
  const std::size_t payload_at = frame.size();
  frame += event;
  sts::socketio::ws::unmask(frame.data() + payload_at, event.size(), kMaskKey);
  for (auto _ : state) {
    sts::socketio::ws::MessageAssembler assembler(64 << 20);
    const auto message = assembler.next(frame);
    if (message.kind != sts::socketio::ws::MessageAssembler::Kind::message) state.SkipWithError("not a message");
    state.PauseTiming();
    sts::socketio::ws::unmask(frame.data() + payload_at, event.size(), kMaskKey);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
}

void BM_SocketIoDecodeFragment(benchmark::State& state) {
  const std::string packet = fragment_event();
  for (auto _ : state) benchmark::DoNotOptimize(sts::socketio::sio::decode(packet));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}

void BM_SocketIoEncodeFragment(benchmark::State& state) {
  const auto packet = sts::socketio::sio::decode(fragment_event()).value();
  for (auto _ : state) benchmark::DoNotOptimize(sts::socketio::sio::encode(packet));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(fragment_event().size()));
}

void BM_NlohmannDumpFragment(benchmark::State& state) {
  // The yardstick for our writer: nlohmann's own serializer on the same value.
  const auto packet = sts::socketio::sio::decode(fragment_event()).value();
  for (auto _ : state) benchmark::DoNotOptimize(packet.data->dump());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(fragment_event().size()));
}

void BM_NlohmannParseFragment(benchmark::State& state) {
  const std::string packet = fragment_event();
  const std::string_view json = std::string_view(packet).substr(1);
  for (auto _ : state) benchmark::DoNotOptimize(sts::util::Json::parse(json));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
}

void BM_SocketIoDecodeSmallEvent(benchmark::State& state) {
  const std::string packet = R"(2["message",1,"2",{"3":[true]}])";
  for (auto _ : state) benchmark::DoNotOptimize(sts::socketio::sio::decode(packet));
}

BENCHMARK(BM_Base64Encode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Base64Decode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Base64Validate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WebSocketUnmask)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WebSocketAssembleFragment)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SocketIoDecodeFragment)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NlohmannParseFragment)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SocketIoEncodeFragment)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NlohmannDumpFragment)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SocketIoDecodeSmallEvent);

}  // namespace

BENCHMARK_MAIN();
