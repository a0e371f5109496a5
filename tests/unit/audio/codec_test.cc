// Decode, encode and convert over the real programme fragments and malformed files
// of test-data.
#include "audio/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sts::audio {
namespace {

const std::string kData = STS_DATA_DIR;

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << path;
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

std::string fragment_path(int index, const char* extension) {
  char name[32];
  std::snprintf(name, sizeof name, "frag_%03d.%s", index, extension);
  return kData + "/program/" + name;
}

struct WireFile {
  const char* extension;
  AudioFormat format;
  std::int64_t tolerance_frames;  // AAC: within one frame of the declared length
};
constexpr WireFile kWireFiles[] = {{"s16", AudioFormat::pcm_s16le, 0},
                                   {"f32", AudioFormat::pcm_f32le, 0},
                                   {"wav", AudioFormat::wav, 0},
                                   {"m4a", AudioFormat::m4a, 1024},
                                   {"aac", AudioFormat::m4a, 1024}};
constexpr int kFragments = 11;

// The real length of a fragment, from its raw s16 twin, and its declared duration
// (whole milliseconds, as a worker sends it).
struct Expected {
  std::int64_t frames;
  std::int64_t duration_ms;
};
Expected expected_for(int index) {
  const auto frames = static_cast<std::int64_t>(read_file(fragment_path(index, "s16")).size() / 4);
  return {frames, (frames * 1000 + 47999) / 48000};
}

TEST(Codec, EveryProgrammeFragmentInEveryFormatDecodesToItsLengthAndRoundTrips) {
  for (int index = 0; index < kFragments; ++index) {
    const Expected expected = expected_for(index);
    for (const WireFile& wire : kWireFiles) {
      SCOPED_TRACE(fragment_path(index, wire.extension));
      const DeclaredAudio declared{wire.format, 48000, 2, expected.duration_ms};
      auto pcm = decode_payload(read_file(fragment_path(index, wire.extension)), declared);
      ASSERT_TRUE(pcm) << pcm.error().message;
      EXPECT_EQ(pcm->sample_rate_hz, 48000);
      EXPECT_EQ(pcm->channels, 2);
      EXPECT_LE(std::abs(pcm->frames() - expected.frames), wire.tolerance_frames) << pcm->frames();

      auto encoded = encode_payload(*pcm, wire.format);
      ASSERT_TRUE(encoded) << encoded.error();
      auto again = decode_payload(*encoded, declared);
      ASSERT_TRUE(again) << again.error().message;
      EXPECT_LE(std::abs(again->frames() - pcm->frames()), wire.tolerance_frames) << again->frames();
    }
  }
}

TEST(Codec, RawPcmAndWavDecodeToTheSameSamples) {
  const Expected expected = expected_for(3);
  auto s16 =
      decode_payload(read_file(fragment_path(3, "s16")), {AudioFormat::pcm_s16le, 48000, 2, expected.duration_ms});
  auto f32 =
      decode_payload(read_file(fragment_path(3, "f32")), {AudioFormat::pcm_f32le, 48000, 2, expected.duration_ms});
  auto wav = decode_payload(read_file(fragment_path(3, "wav")), {AudioFormat::wav, 48000, 2, expected.duration_ms});
  ASSERT_TRUE(s16 && f32 && wav);
  EXPECT_EQ(s16->samples, f32->samples);
  EXPECT_EQ(s16->samples, wav->samples);
}

// The .aac file holds the .m4a file's AAC frames without the MP4 edit list; once
// the priming frame is dropped both must give the same audio, sample for sample.
TEST(Codec, AdtsDecodesAlignedWithTheSameFramesInMp4) {
  const Expected expected = expected_for(0);
  const DeclaredAudio declared{AudioFormat::m4a, 48000, 2, expected.duration_ms};
  auto mp4 = decode_payload(read_file(fragment_path(0, "m4a")), declared);
  auto adts = decode_payload(read_file(fragment_path(0, "aac")), declared);
  ASSERT_TRUE(mp4 && adts);
  ASSERT_EQ(mp4->frames(), adts->frames());
  float worst = 0;
  for (std::size_t i = 0; i < mp4->samples.size(); ++i)
    worst = std::max(worst, std::abs(mp4->samples[i] - adts->samples[i]));
  EXPECT_LT(worst, 1e-4f);
}

TEST(Codec, EncodedM4aIsASelfContainedMp4WithAac) {
  auto pcm = decode_payload(read_file(fragment_path(1, "s16")), {AudioFormat::pcm_s16le, 48000, 2, 6000});
  ASSERT_TRUE(pcm);
  auto m4a = encode_payload(*pcm, AudioFormat::m4a);
  ASSERT_TRUE(m4a);
  ASSERT_GT(m4a->size(), 12u);
  EXPECT_EQ(std::string(m4a->begin() + 4, m4a->begin() + 12), "ftypM4A ");
  EXPECT_NE(std::search(m4a->begin(), m4a->end(), std::begin("moov"), std::end("moov") - 1), m4a->end());
}

TEST(Codec, SelfDescribingPayloadsWinOverTheDeclaration) {
  auto pcm = decode_payload(read_file(kData + "/bad/rate_mismatch_44100_mono.m4a"), {AudioFormat::m4a, 48000, 2, 6000});
  ASSERT_TRUE(pcm) << pcm.error().message;
  EXPECT_EQ(pcm->sample_rate_hz, 44100);
  EXPECT_EQ(pcm->channels, 1);
  EXPECT_NEAR(static_cast<double>(pcm->frames()), 6 * 44100, 1024);
}

TEST(Codec, MalformedFilesAreRefusedWithAReason) {
  struct Case {
    const char* file;
    AudioFormat format;
  };
  for (const Case& bad :
       {Case{"zero_bytes.m4a", AudioFormat::m4a}, Case{"zero_bytes.wav", AudioFormat::wav},
        Case{"random_bytes.m4a", AudioFormat::m4a}, Case{"truncated_30pct.m4a", AudioFormat::m4a},
        Case{"truncated_30pct_faststart.m4a", AudioFormat::m4a}, Case{"corrupt_fmt.wav", AudioFormat::wav},
        Case{"corrupt_magic.wav", AudioFormat::wav}, Case{"odd_length.s16", AudioFormat::pcm_s16le},
        Case{"wav_named.m4a", AudioFormat::m4a}, Case{"text_named.wav", AudioFormat::wav}}) {
    SCOPED_TRACE(bad.file);
    auto pcm = decode_payload(read_file(kData + "/bad/" + bad.file), {bad.format, 48000, 2, 1000});
    ASSERT_FALSE(pcm);
    // Each is not audio of the declared format at all: INVALID_FRAGMENT.
    EXPECT_EQ(pcm.error().kind, DecodeError::Kind::malformed);
    EXPECT_FALSE(pcm.error().message.empty());
  }
}

TEST(Codec, ConvertKeepsTheDurationExactAndDownMixes) {
  auto pcm = decode_payload(read_file(fragment_path(2, "s16")), {AudioFormat::pcm_s16le, 48000, 2, 6000});
  ASSERT_TRUE(pcm);
  const PcmBuffer mono = convert(*pcm, 16000, 1);
  EXPECT_EQ(mono.sample_rate_hz, 16000);
  EXPECT_EQ(mono.channels, 1);
  EXPECT_EQ(mono.frames(), pcm->frames() / 3);
  // Dual-mono input: the down-mix keeps the level (within resampling ripple).
  double in_energy = 0, out_energy = 0;
  for (std::size_t i = 0; i < pcm->samples.size(); i += 2)
    in_energy += static_cast<double>(pcm->samples[i] * pcm->samples[i]);
  for (const float sample : mono.samples) out_energy += static_cast<double>(sample * sample);
  EXPECT_NEAR(out_energy / static_cast<double>(mono.frames()), in_energy / static_cast<double>(pcm->frames()),
              0.1 * in_energy / static_cast<double>(pcm->frames()));
  const PcmBuffer back = convert(mono, 48000, 2);
  EXPECT_EQ(back.frames(), pcm->frames());
}

TEST(Codec, HeadersClaimingAbsurdRatesAreRefusedNotObeyed) {
  // A valid 16-bit WAV whose header says 1 Hz: converting it to 48 kHz would ask for
  // 48000 output frames per input frame.
  std::vector<std::uint8_t> wav = read_file(fragment_path(0, "wav"));
  for (const std::size_t at : {24u, 28u}) {
    const std::uint32_t value = at == 24 ? 1 : 4;
    for (std::size_t i = 0; i < 4; ++i) wav[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
  auto pcm = decode_payload(wav, {AudioFormat::wav, 48000, 2, 6000});
  ASSERT_FALSE(pcm);
  EXPECT_EQ(pcm.error().kind, DecodeError::Kind::unusable);
  EXPECT_NE(pcm.error().message.find("1 Hz"), std::string::npos) << pcm.error().message;
}

TEST(Codec, NonFiniteClientFloatsBecomeSilence) {
  const float values[] = {0.5f, std::nanf(""), INFINITY, -INFINITY};
  std::vector<std::uint8_t> bytes(sizeof values);
  std::memcpy(bytes.data(), values, sizeof values);
  auto pcm = decode_payload(bytes, {AudioFormat::pcm_f32le, 48000, 2, 1});
  ASSERT_TRUE(pcm);
  EXPECT_EQ(pcm->samples, (std::vector<float>{0.5f, 0, 0, 0}));
}

}  // namespace
}  // namespace sts::audio
