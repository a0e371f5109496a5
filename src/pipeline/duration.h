// The A/V sync verdict of docs/protocol.md "Duration matching": how far the dubbed audio's
// length is from the original's, and the status that follows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audio/pcm.h"
#include "pipeline/fragment.h"
#include "pipeline/pipeline.h"

namespace sts::pipeline {

struct DurationVerdict {
  FragmentStatus status = FragmentStatus::success;
  double variance_percent = 0;
  std::optional<StageError> error;
  std::vector<std::string> warnings;
};

DurationVerdict judge_duration(std::int64_t original_ms, std::int64_t dubbed_ms, const PipelineSettings& settings);

struct MatchedSpeech {
  audio::PcmBuffer pcm;
  double speed_ratio = 1;  // applied tempo: above 1 sped up, below 1 slowed down
};

// Synthesized `speech` fitted to `target_frames`: time-stretched to exactly that
// length when the tempo change stays within the speed limits; shorter speech is
// slowed to the limit and padded with silence, placed so speech starts at
// `speech_start_frames` as in the original; longer speech is sped up to the limit
// and left long (judge_duration then says how far off it is).
MatchedSpeech match_duration(audio::PcmBuffer speech, std::int64_t target_frames, std::int64_t speech_start_frames,
                             const PipelineSettings& settings);

// Synthesized `speech` (without leading or trailing silence) put where the original
// speech was, starting at `window_start_frames` inside `total_frames` of silence:
// shorter than the original's `window_frames` it is slowed toward it (match_duration),
// longer it may run on into the room after the window at its own pace, and only what
// does not fit is sped up. Speech that does not fit even at the fastest tempo starts
// earlier, and beyond `total_frames` stays long.
MatchedSpeech place_speech(audio::PcmBuffer speech, std::int64_t window_start_frames, std::int64_t window_frames,
                           std::int64_t total_frames, const PipelineSettings& settings);

// place_speech for `speech` at the voice's own rate and channels, with frame counts
// at `sample_rate_hz`: the speech is placed and stretched at its own rate, which
// costs a fraction of doing it at the stream's (22 kHz mono against 48 kHz
// stereo), then converted to `sample_rate_hz` and `channels`. The length is exactly
// `total_frames` whenever place_speech's would be.
MatchedSpeech place_speech_converted(audio::PcmBuffer speech, std::int64_t window_start_frames,
                                     std::int64_t window_frames, std::int64_t total_frames, int sample_rate_hz,
                                     int channels, const PipelineSettings& settings);

}  // namespace sts::pipeline
