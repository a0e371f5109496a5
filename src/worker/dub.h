// sts-dub's job: a media file's audio cut into fragments, streamed through a
// transport as a worker does, the dubbed fragments put back in order into a track of
// exactly the input's length, and the track written (in place of a video's audio when
// the input has video and the output can hold it).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <string>
#include <tl/expected.hpp>

#include "audio/media_file.h"
#include "worker/stream_worker.h"

namespace sts::worker {

struct DubInput {
  std::string path;
  audio::MediaAudio media;  // converted to what the stream sends: at most 2 channels
};

// Reads and decodes the whole input; `format` is the wire format (its rates decide
// whether the track must be resampled).
tl::expected<DubInput, std::string> load_dub_input(const std::string& path, audio::AudioFormat format);

struct DubProgress {
  std::size_t done = 0;
  std::size_t total = 0;
  const FragmentOutcome& last;
};

struct DubReport {
  WorkerResult result;
  RunStats stats;
  std::size_t fragments = 0;
  std::size_t silenced = 0;  // failed (or undecodable) fragments left as silence
};

// Runs `io` until the stream is over. `options.stream` gets the input's rate and
// channels; the output is written only when every fragment has its outcome.
DubReport run_dub(boost::asio::io_context& io, Transport& transport, const DubInput& input,
                  const std::string& output_path, WorkerOptions options,
                  const std::function<void(const DubProgress&)>& on_progress);

}  // namespace sts::worker
