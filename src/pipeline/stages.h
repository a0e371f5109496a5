// The blocks every pipeline is built from: the work one fragment carries from stage to
// stage, the runner that times each stage and turns its failure into the fragment's,
// and one function per stage. A pipeline is the sequence of its stages.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <tl/expected.hpp>
#include <utility>

#include "asr/engine.h"
#include "audio/pcm.h"
#include "errors/error.h"
#include "pipeline/fragment.h"
#include "pipeline/pipeline.h"
#include "translation/translator.h"
#include "tts/synthesizer.h"

namespace sts::pipeline {

// One fragment's job and what its stages hand each other.
struct FragmentWork {
  FragmentWork(const FragmentJob& fragment_job, JobControl& job_control);

  const FragmentJob& job;
  const StreamSpec& stream;
  JobControl& control;
  FragmentResult result;
  audio::PcmBuffer original;       // decoded, at its own rate and channels
  std::int64_t target_frames = 0;  // the original's length at the stream's rate
  // Where the original speech was, at the stream's rate: the synthesized speech goes there.
  std::int64_t speech_start_frames = 0;
  std::int64_t speech_frames = 0;
  // Kept at the voice's own rate and channels until its length is matched: stretching
  // 22 kHz mono costs a fraction of 48 kHz stereo. Absent when nothing was synthesized.
  std::optional<audio::PcmBuffer> speech;
  audio::PcmBuffer dubbed;  // fitted to the original's length, in the stream's layout
};

// A stage's failure as the fragment reports it: an Error is the stage's own, a
// StageError already names the stage docs/protocol.md §4 reports it in.
inline StageError failure_in(Stage stage, Error error) { return {stage, std::move(error)}; }
inline StageError failure_in(Stage, StageError error) { return error; }

// Runs a fragment's stages in order. Once a stage has failed, every later run() does
// nothing, so a pipeline is written as the plain sequence of its stages.
class StageRunner {
 public:
  explicit StageRunner(FragmentWork& work, RetryPolicy retry = {}) : work_(work), retry_(retry) {}

  // Runs `body` as `stage`, unless a stop was requested: then the fragment fails with
  // TIMEOUT in `stage`, which never starts. `body` returns tl::expected<void, Error> or
  // tl::expected<void, StageError>; its time goes into stage_timings whatever it returns,
  // retries included. A transient failure runs `body` again, up to the policy's
  // retries, while the fragment's deadline leaves room; each is kept in result.retries.
  template <typename Body>
  void run(Stage stage, Body&& body);

  // The result; the job is marked done unless a stage failed.
  FragmentResult finish();

 private:
  using Clock = std::chrono::steady_clock;

  bool failed() const { return work_.result.error.has_value(); }
  bool start(Stage stage);
  template <typename Body>
  std::optional<StageError> attempt(Stage stage, Body& body);
  // Whether to run a stage again after `attempts` that failed, the last with `failure`;
  // waits the backoff first.
  bool retry(const StageError& failure, int attempts);
  void end(Stage stage, Clock::time_point started, std::optional<StageError> failure);
  void fail(StageError error);

  FragmentWork& work_;
  RetryPolicy retry_;
};

template <typename Body>
void StageRunner::run(Stage stage, Body&& body) {
  if (!start(stage)) return;
  const auto started = Clock::now();
  std::optional<StageError> failure = attempt(stage, body);
  for (int attempts = 1; failure && retry(*failure, attempts); ++attempts) failure = attempt(stage, body);
  end(stage, started, std::move(failure));
}

template <typename Body>
std::optional<StageError> StageRunner::attempt(Stage stage, Body& body) {
  // Stages must not throw; one that does (out of memory, a library refusing its
  // input) fails this fragment, never the process.
  try {
    if (auto outcome = body(); !outcome) return failure_in(stage, std::move(outcome.error()));
  } catch (const std::exception& error) {
    return StageError{stage, {ErrorCode::internal_error, error.what()}};
  }
  return std::nullopt;
}

// decode: the payload to PCM; fails with INVALID_FRAGMENT or INVALID_AUDIO.
tl::expected<void, Error> decode(FragmentWork& work);

// asr: voice activity detection, then `recognizer` on a fragment with speech. Without
// speech the recognizer is not called and the transcript stays empty.
tl::expected<void, Error> recognize(FragmentWork& work, const asr::Engine& recognizer);

// translation: each transcript segment as one sentence, the answers joined into
// translated_text. `timeout` is cut short by the fragment's deadline.
tl::expected<void, Error> translate(FragmentWork& work, const translation::Translator& translator,
                                    std::chrono::milliseconds timeout);

// tts: the translation spoken, aiming at the original speech's length. `timeout` is cut
// short by the fragment's deadline.
tl::expected<void, Error> synthesize(FragmentWork& work, const tts::Synthesizer& synthesizer,
                                     std::chrono::milliseconds timeout);

// duration_match: the synthesized speech placed where the original speech was or,
// without speech, settings.fallback (docs/protocol.md "Silence / no speech"), fitted to
// the original's length. A dub whose length strays too far fails in tts, as
// docs/protocol.md §4 reports it.
tl::expected<void, StageError> fit(FragmentWork& work, const PipelineSettings& settings);

// encode: the dub in the stream's format; fails with ENCODING_FAILED.
tl::expected<void, Error> encode(FragmentWork& work);

// asr, translation or tts with no engine behind it (echo): nothing to do, but the stage
// still runs and is timed as in any pipeline.
inline tl::expected<void, Error> echo_stage() { return {}; }

// Whether an echo of `job` may pass its bytes through untouched: pcm_s16le already in
// the stream's layout gives the same bytes when decoded to float and encoded back, so
// the *_untouched stages skip two conversions and 3.5 MB of buffers for a 6 s stereo
// fragment.
bool echoes_untouched(const FragmentJob& job);
// decode for an untouched echo: reads only the length.
tl::expected<void, Error> decode_untouched(FragmentWork& work);
// duration_match for an untouched echo: the dub is as long as the original.
tl::expected<void, StageError> fit_untouched(FragmentWork& work, const PipelineSettings& settings);
// encode for an untouched echo: the payload's own bytes.
tl::expected<void, Error> encode_untouched(FragmentWork& work);

}  // namespace sts::pipeline
