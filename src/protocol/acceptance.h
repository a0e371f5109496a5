// The checks a fragment:data passes before it is acked (docs/protocol.md §2): every
// rejection code that depends on the stream's state rather than on the payload's
// syntax, in the order a worker should see them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "protocol/messages.h"

namespace sts::protocol {

// What the stream knows when the fragment arrives.
struct StreamFacts {
  bool server_draining = false;
  bool paused = false;
  bool accepting = true;  // false once the stream is ending
  std::size_t max_fragment_bytes = 0;
  audio::AudioFormat format = audio::AudioFormat::pcm_s16le;
  int sample_rate_hz = 0;
  int channels = 0;
  // The fragment already pending at this sequence number, if any.
  std::optional<std::string> pending_at_sequence;
  std::int64_t highest_delivered = -1;
  // The fragment_id was delivered before: a retry may reuse its old sequence number.
  bool retry = false;
};

std::optional<Rejection> check_acceptance(const FragmentData& fragment, const StreamFacts& stream);

// The payload checked before the ack, which comes before any decoding: raw PCM by its
// size alone (its base64 is decoded later, by its job, and stays in the fragment); a
// container is decoded here to read its header, and its bytes are returned.
tl::expected<std::vector<std::uint8_t>, Rejection> vet_audio(FragmentData& fragment);

}  // namespace sts::protocol
