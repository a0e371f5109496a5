#include "protocol/acceptance.h"

#include <gtest/gtest.h>

#include "util/base64.h"

namespace sts::protocol {
namespace {

StreamFacts open_stream() {
  StreamFacts facts;
  facts.max_fragment_bytes = 1 << 20;
  facts.format = audio::AudioFormat::pcm_s16le;
  facts.sample_rate_hz = 48000;
  facts.channels = 2;
  return facts;
}

FragmentData fragment(std::int64_t sequence_number, std::size_t pcm_bytes = 1920) {
  FragmentData data;
  data.fragment_id = "f" + std::to_string(sequence_number);
  data.sequence_number = sequence_number;
  data.format = audio::AudioFormat::pcm_s16le;
  data.sample_rate_hz = 48000;
  data.channels = 2;
  data.data_base64 = util::base64_encode(std::vector<std::uint8_t>(pcm_bytes, 0));
  return data;
}

std::optional<ErrorCode> refusal(const FragmentData& data, const StreamFacts& facts) {
  const auto rejection = check_acceptance(data, facts);
  return rejection ? std::optional(rejection->error.code) : std::nullopt;
}

TEST(Acceptance, AnOpenStreamTakesAFragmentInItsOwnLayout) {
  EXPECT_EQ(refusal(fragment(0), open_stream()), std::nullopt);
}

TEST(Acceptance, TheStreamsStateComesFirst) {
  auto facts = open_stream();
  facts.paused = true;
  EXPECT_EQ(refusal(fragment(0), facts), ErrorCode::stream_paused);
  facts.accepting = false;
  facts.paused = false;
  EXPECT_EQ(refusal(fragment(0), facts), ErrorCode::stream_ending);
  facts.server_draining = true;
  EXPECT_EQ(refusal(fragment(0), facts), ErrorCode::stream_ending_for_shutdown);
}

TEST(Acceptance, TooMuchAudioIsRefusedBeforeItIsDecoded) {
  auto facts = open_stream();
  facts.max_fragment_bytes = 1000;
  EXPECT_EQ(refusal(fragment(0, 1920), facts), ErrorCode::fragment_too_large);
}

TEST(Acceptance, RawPcmMustMatchTheStreamsRateAndChannels) {
  auto data = fragment(0);
  data.channels = 1;
  EXPECT_EQ(refusal(data, open_stream()), ErrorCode::invalid_fragment);
  data = fragment(0);
  data.format = audio::AudioFormat::wav;
  EXPECT_EQ(refusal(data, open_stream()), ErrorCode::invalid_fragment);
}

TEST(Acceptance, ASequenceNumberIsNeitherPendingNorAlreadyDeliveredUnlessRetried) {
  auto facts = open_stream();
  facts.pending_at_sequence = "other";
  const auto pending = check_acceptance(fragment(3), facts);
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->error.code, ErrorCode::invalid_sequence);
  EXPECT_NE(pending->error.message.find("other"), std::string::npos);
  facts.pending_at_sequence.reset();
  facts.highest_delivered = 5;
  EXPECT_EQ(refusal(fragment(5), facts), ErrorCode::invalid_sequence);
  EXPECT_EQ(refusal(fragment(6), facts), std::nullopt);
  facts.retry = true;
  EXPECT_EQ(refusal(fragment(2), facts), std::nullopt);
}

TEST(Acceptance, RawPcmKeepsItsBase64ForTheJobAndAContainerIsDecodedNow) {
  auto raw = fragment(0);
  const auto raw_audio = vet_audio(raw);
  ASSERT_TRUE(raw_audio);
  EXPECT_TRUE(raw_audio->empty());
  EXPECT_FALSE(raw.data_base64.empty());

  auto bad = fragment(0);
  bad.data_base64 = "not base64!";
  ASSERT_FALSE(vet_audio(bad));
  EXPECT_EQ(vet_audio(bad).error().error.code, ErrorCode::invalid_fragment);

  auto odd = fragment(0, 1921);  // not a whole number of frames
  EXPECT_FALSE(vet_audio(odd));
}

}  // namespace
}  // namespace sts::protocol
