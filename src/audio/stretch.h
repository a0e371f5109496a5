// Time-stretching with rubberband, tuned for speech: pitch and formants kept, so a
// sped-up voice still sounds like the same speaker.
#pragma once

#include <cstdint>

#include "audio/pcm.h"

namespace sts::audio {

// `pcm` made exactly `frames` long (per channel) by changing its tempo, not its
// pitch. Offline: the whole fragment is studied first, as fragments are short.
PcmBuffer stretch_to(const PcmBuffer& pcm, std::int64_t frames);

}  // namespace sts::audio
