#include "audio/format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace sts::audio {
namespace {

std::vector<std::uint8_t> wav_header(std::uint32_t data_bytes, std::uint16_t channels, std::uint32_t rate) {
  std::vector<std::uint8_t> wav(44 + data_bytes, 0);
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) wav[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  auto put16 = [&](std::size_t at, std::uint16_t v) {
    wav[at] = static_cast<std::uint8_t>(v);
    wav[at + 1] = static_cast<std::uint8_t>(v >> 8);
  };
  std::memcpy(wav.data(), "RIFF", 4);
  put32(4, 36 + data_bytes);
  std::memcpy(wav.data() + 8, "WAVEfmt ", 8);
  put32(16, 16);
  put16(20, 1);
  put16(22, channels);
  put32(24, rate);
  put32(28, rate * channels * 2);
  put16(32, static_cast<std::uint16_t>(channels * 2));
  put16(34, 16);
  std::memcpy(wav.data() + 36, "data", 4);
  put32(40, data_bytes);
  return wav;
}

TEST(AudioFormat, ParsesTheFourWireNames) {
  EXPECT_EQ(parse_audio_format("pcm_s16le"), AudioFormat::pcm_s16le);
  EXPECT_EQ(parse_audio_format("m4a"), AudioFormat::m4a);
  EXPECT_FALSE(parse_audio_format("mp3"));
  EXPECT_EQ(format_name(AudioFormat::pcm_f32le), "pcm_f32le");
}

TEST(InspectPayload, RawPcmMustHoldWholeFrames) {
  const std::vector<std::uint8_t> pcm(48000 * 2 * 2);
  const auto info = inspect_payload(AudioFormat::pcm_s16le, pcm, 48000, 2);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->frames, 48000);
  const std::vector<std::uint8_t> odd(4 * 10 + 2);
  const auto bad = inspect_payload(AudioFormat::pcm_s16le, odd, 48000, 2);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("whole number"), std::string::npos);
  EXPECT_FALSE(inspect_payload(AudioFormat::pcm_f32le, std::vector<std::uint8_t>(12), 48000, 2));
}

TEST(InspectPayload, RejectsEmptyAudio) { EXPECT_FALSE(inspect_payload(AudioFormat::wav, {}, 48000, 2)); }

TEST(InspectPayload, WavHeaderWinsOverTheDeclaration) {
  const auto wav = wav_header(16000 * 2, 1, 16000);
  const auto info = inspect_payload(AudioFormat::wav, wav, 48000, 2);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sample_rate_hz, 16000);
  EXPECT_EQ(info->channels, 1);
  EXPECT_EQ(info->frames, 16000);
}

TEST(InspectPayload, WavWithoutDataChunkOrWithGarbageIsRefused) {
  auto wav = wav_header(0, 2, 48000);
  wav.resize(36);
  EXPECT_FALSE(inspect_payload(AudioFormat::wav, wav, 48000, 2));
  const std::vector<std::uint8_t> garbage(100, 0x41);
  EXPECT_FALSE(inspect_payload(AudioFormat::wav, garbage, 48000, 2));
}

TEST(InspectPayload, M4aIsMp4OrAdts) {
  std::vector<std::uint8_t> mp4{0, 0, 0, 12, 'f', 't', 'y', 'p', 'M', '4', 'A', ' ', 0, 0, 0, 8, 'm', 'o', 'o', 'v'};
  ASSERT_TRUE(inspect_payload(AudioFormat::m4a, mp4, 48000, 2));
  EXPECT_EQ(inspect_payload(AudioFormat::m4a, mp4, 48000, 2)->container, Container::mp4);
  // ADTS, AAC-LC, 48 kHz (index 3), 2 channels.
  const std::vector<std::uint8_t> adts{0xFF, 0xF1, 0x4C, 0x80, 0x00, 0x1F, 0xFC};
  const auto info = inspect_payload(AudioFormat::m4a, adts, 48000, 2);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->container, Container::adts);
  EXPECT_EQ(info->sample_rate_hz, 48000);
  EXPECT_EQ(info->channels, 2);
  EXPECT_FALSE(inspect_payload(AudioFormat::m4a, std::vector<std::uint8_t>(64, 0), 48000, 2));
}

TEST(InspectPayload, AnMp4CutBeforeItsMoovIsRefusedAndOneCutAfterItIsNot) {
  const std::vector<std::uint8_t> ftyp{0, 0, 0, 12, 'f', 't', 'y', 'p', 'M', '4', 'A', ' '};
  auto cut_in_mdat = ftyp;  // default layout: mdat first, and the cut falls inside it
  cut_in_mdat.insert(cut_in_mdat.end(), {0, 0, 1, 0, 'm', 'd', 'a', 't', 1, 2, 3});
  const auto refused = inspect_payload(AudioFormat::m4a, cut_in_mdat, 48000, 2);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("moov"), std::string::npos);

  auto cut_moov = ftyp;
  cut_moov.insert(cut_moov.end(), {0, 0, 0, 64, 'm', 'o', 'o', 'v', 0});
  EXPECT_FALSE(inspect_payload(AudioFormat::m4a, cut_moov, 48000, 2));

  auto fast_start = ftyp;  // a complete moov, then an mdat cut short: decodes what it holds
  fast_start.insert(fast_start.end(), {0, 0, 0, 8, 'm', 'o', 'o', 'v', 0, 0, 1, 0, 'm', 'd', 'a', 't', 1});
  EXPECT_TRUE(inspect_payload(AudioFormat::m4a, fast_start, 48000, 2));

  auto bad_size = ftyp;
  bad_size.insert(bad_size.end(), {0, 0, 0, 3, 0xC3, 0x28, '"', 'e'});  // not UTF-8, and a quote
  const auto refused_size = inspect_payload(AudioFormat::m4a, bad_size, 48000, 2);
  ASSERT_FALSE(refused_size);
  EXPECT_NE(refused_size.error().find(R"('\xc3("e')"), std::string::npos) << refused_size.error();
}

}  // namespace
}  // namespace sts::audio
