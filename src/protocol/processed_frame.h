// A fragment:processed event as the Socket.IO packet that carries it. Serializing
// megabytes of base64 is the costliest step of delivery, so the compute thread builds
// the frame, not the connection's strand; the same frame is what a retry re-sends.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "pipeline/fragment.h"
#include "pipeline/pipeline.h"
#include "util/json.h"

namespace sts::protocol {

// Null for a result nobody will send (past its deadline).
using ProcessedFrame = std::shared_ptr<const std::string>;

// The event on namespace `nsp`, whichever connection ends up carrying it. The audio is
// base64-encoded straight into the frame, never into a JSON string first.
ProcessedFrame processed_frame(const std::string& nsp, const pipeline::FragmentResult& result,
                               const std::string& stream_id, const std::string& fragment_id,
                               std::int64_t sequence_number, std::int64_t processing_ms,
                               const util::Json& client_metadata);

// What a compute thread hands back to the stream for one fragment.
struct FinishedJob {
  pipeline::FragmentResult result;
  std::int64_t processing_ms = 0;
  ProcessedFrame frame;  // null past the deadline, when nobody will send it
};

// On a compute thread: decodes raw PCM's base64 (`audio_base64`, empty for a container,
// whose bytes are already in the job), runs the pipeline, and builds the frame.
FinishedJob run_fragment_job(const pipeline::Pipeline& pipeline, const pipeline::FragmentJob& job,
                             const std::string& audio_base64, pipeline::JobControl& control,
                             std::chrono::steady_clock::time_point accepted_at, const std::string& nsp,
                             const std::string& stream_id);

}  // namespace sts::protocol
