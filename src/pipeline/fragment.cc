#include "pipeline/fragment.h"

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <mutex>

#include "pipeline/pipeline.h"

namespace sts::pipeline {

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::queued: return "queue";
    case Stage::decode: return "decode";
    case Stage::asr: return "asr";
    case Stage::translation: return "translation";
    case Stage::tts: return "tts";
    case Stage::duration_match: return "duration_match";
    case Stage::encode: return "encode";
    case Stage::done: return "done";
  }
  return "unknown";
}

std::string_view status_name(FragmentStatus status) {
  switch (status) {
    case FragmentStatus::success: return "success";
    case FragmentStatus::partial: return "partial";
    case FragmentStatus::failed: return "failed";
  }
  return "failed";
}

std::int64_t FragmentJob::stream_offset_ms() const {
  if (const auto pts = metadata.find("pts_ns"); pts != metadata.end() && pts->is_number_integer()) {
    return pts->is_number_unsigned() ? static_cast<std::int64_t>(pts->get<std::uint64_t>() / 1'000'000)
                                     : pts->get<std::int64_t>() / 1'000'000;
  }
  // A client may send any sequence number: saturate rather than overflow.
  std::int64_t offset = 0;
  if (__builtin_mul_overflow(sequence_number, stream ? stream->chunk_duration_ms : 0, &offset)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return offset;
}

std::chrono::milliseconds JobControl::time_left(std::chrono::milliseconds stage_timeout) const {
  const auto now = std::chrono::steady_clock::now();
  if (deadline <= now) return std::chrono::milliseconds(0);
  if (deadline - now >= stage_timeout) return stage_timeout;
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
}

bool JobControl::pause(std::chrono::milliseconds duration) {
  // Nothing notifies the condition: only the stop (the deadline) ends the wait early.
  std::mutex unused;
  std::condition_variable_any wake;
  std::unique_lock lock(unused);
  wake.wait_for(lock, stop.get_token(), duration, [] { return false; });
  return !stop.stop_requested();
}

bool JobControl::wait_to_retry(std::chrono::milliseconds backoff) {
  if (deadline - std::chrono::steady_clock::now() <= backoff) return false;
  return pause(backoff);
}

bool Pipeline::supports(std::string_view source, std::string_view target) const {
  const auto& pairs = language_pairs();
  return std::any_of(pairs.begin(), pairs.end(),
                     [&](const LanguagePair& pair) { return pair.first == source && pair.second == target; });
}

}  // namespace sts::pipeline
