#include "protocol/processed_frame.h"

#include "protocol/messages.h"
#include "socketio/socket.h"
#include "util/base64.h"

namespace sts::protocol {

ProcessedFrame processed_frame(const std::string& nsp, const pipeline::FragmentResult& result,
                               const std::string& stream_id, const std::string& fragment_id,
                               std::int64_t sequence_number, std::int64_t processing_ms,
                               const util::Json& client_metadata) {
  const util::Json event = processed_json(result, stream_id, fragment_id, sequence_number, processing_ms,
                                          client_metadata, AudioData::left_empty);
  if (!result.dubbed_audio) {
    return std::make_shared<const std::string>(socketio::event_frame(nsp, "fragment:processed", event));
  }
  const util::JsonSplice audio_data{&event["dubbed_audio"]["data_base64"],
                                    [&bytes = result.dubbed_audio->bytes](std::string& out) {
                                      out.reserve(out.size() + util::base64_encoded_size(bytes.size()) + 1024);
                                      out.push_back('"');
                                      util::base64_encode_append(bytes, out);
                                      out.push_back('"');
                                    }};
  return std::make_shared<const std::string>(socketio::event_frame(nsp, "fragment:processed", event, &audio_data));
}

FinishedJob run_fragment_job(const pipeline::Pipeline& pipeline, const pipeline::FragmentJob& job,
                             const std::string& audio_base64, pipeline::JobControl& control,
                             std::chrono::steady_clock::time_point accepted_at, const std::string& nsp,
                             const std::string& stream_id) {
  FinishedJob done;
  if (audio_base64.empty()) {
    done.result = pipeline.process(job, control);
  } else {
    pipeline::FragmentJob decoded = job;
    decoded.audio = util::base64_decode(audio_base64).value_or(std::vector<std::uint8_t>{});  // checked at acceptance
    done.result = pipeline.process(decoded, control);
  }
  done.processing_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - accepted_at).count();
  // Past its deadline the result is discarded: no need to serialize it.
  if (control.stop.stop_requested()) return done;
  done.frame = processed_frame(nsp, done.result, stream_id, job.fragment_id, job.sequence_number, done.processing_ms,
                               job.metadata);
  // The frame carries the audio now; the result need not hold it too while it waits
  // for its turn.
  if (done.result.dubbed_audio) done.result.dubbed_audio->bytes = {};
  return done;
}

}  // namespace sts::protocol
