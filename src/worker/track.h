// A whole track cut into fragments and put back together: the cuts fall on exact
// frame positions of the chunk grid (no drift over an hour), and every dubbed piece is
// trimmed or padded to exactly its fragment's frames, so the reassembled track has
// exactly the input's length.
#pragma once

#include <cstdint>
#include <vector>

#include "audio/pcm.h"

namespace sts::worker {

struct Span {
  std::int64_t start_frame = 0;
  std::int64_t frames = 0;
};

// Fragments of `chunk_ms` over `total_frames` at `sample_rate_hz`; the last one
// holds what is left. Fragment i starts at frame floor(i x chunk_ms x rate / 1000).
std::vector<Span> cut(std::int64_t total_frames, int sample_rate_hz, std::int64_t chunk_ms);

// What a fragment declares as duration_ms: rounded up, so a server trimming decoded
// audio to it never cuts real samples.
std::int64_t span_duration_ms(const Span& span, int sample_rate_hz);
// Where the span starts on the timeline, in whole ms.
std::int64_t span_start_ms(const Span& span, int sample_rate_hz);

audio::PcmBuffer slice(const audio::PcmBuffer& track, const Span& span);

// Copies `piece` (at the track's rate and channel count) into `track` at `span`:
// cut to span.frames when longer; the rest of the span keeps what `track` holds there
// (silence in a track made by silent_like).
void place(audio::PcmBuffer& track, const Span& span, const audio::PcmBuffer& piece);

// A silent track with `model`'s rate, channels and length.
audio::PcmBuffer silent_like(const audio::PcmBuffer& model);

}  // namespace sts::worker
