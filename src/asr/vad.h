// Voice activity detection before ASR: silent, noise-only and music-only fragments
// skip ASR, MT and TTS entirely. Two cheap measures on 20 ms frames of 16 kHz mono:
// - loudness contrast: speech has frames well above the fragment's own floor (the
//   gaps between syllables and words), steady noise and sustained music do not;
// - envelope movement: speech changes level every few frames as syllables start and
//   stop; a drone with notes over it, or noise, moves far less.
// Both hold for speech over moderate background; speech buried in loud continuous
// music reads as no speech, which costs a dub but never produces invented words.
#pragma once

#include <cstdint>

#include "audio/pcm.h"

namespace sts::asr {

struct SpeechActivity {
  bool speech = false;
  std::int64_t speech_ms = 0;  // total length of the frames judged to be speech
  std::int64_t first_ms = 0;   // first and last speech frame, from the buffer's start
  std::int64_t last_ms = 0;
  // The measures behind the verdict, for logs and tuning.
  double contrast_db = 0;
  double movement_db = 0;
};

// `pcm` is mono at any rate (the pipeline passes kSampleRateHz).
SpeechActivity detect_speech(const audio::PcmBuffer& pcm);

}  // namespace sts::asr
