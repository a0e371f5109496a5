// Whole media files on disk, for tools that dub files (the server never touches the
// disk): the audio track of anything FFmpeg reads (wav, m4a, mp3, mp4 with video...)
// decoded at once, and a track written back as wav or m4a, or in place of a video
// file's audio.
#pragma once

#include <string>
#include <tl/expected.hpp>

#include "audio/pcm.h"

namespace sts::audio {

struct MediaAudio {
  PcmBuffer pcm;  // the file's main audio stream at its own rate and channel count
  bool has_video = false;
};

// An MP4's AAC track is trimmed to the length the container states (decoding keeps
// the last frame's padding); other containers give what their decoder gives.
tl::expected<MediaAudio, std::string> read_media_audio(const std::string& path);

// By the extension: .wav (16-bit PCM), .m4a or .mp4 (AAC-LC in MP4).
tl::expected<void, std::string> write_audio_file(const std::string& path, const PcmBuffer& pcm);

// `video_path`'s video stream, copied as it is, with `pcm` as the only audio
// (AAC-LC), into `path` (its extension names the container: mp4, mov, mkv).
tl::expected<void, std::string> write_with_video(const std::string& video_path, const PcmBuffer& pcm,
                                                 const std::string& path);

// Whether `path`'s extension names an audio-only file (.wav, .m4a): no video goes there.
bool is_audio_only_path(const std::string& path);

}  // namespace sts::audio
