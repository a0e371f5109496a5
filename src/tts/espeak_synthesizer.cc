#include "tts/espeak_synthesizer.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <thread>

#include "util/mutex.h"

namespace sts::tts {
namespace {

constexpr int kDefaultRate = 175;  // espeak-ng's own default, words per minute
constexpr int kMinRate = 80;       // espeakRATE_MINIMUM
constexpr int kMaxRate = 450;      // espeakRATE_MAXIMUM
constexpr double kCloseEnough = 0.03;
// Quieter than this (of full scale) at either end is the engine's padding, not speech.
constexpr float kSilence = 1.0F / 256;
// One thread serves every stream, so jobs queued beyond what it can finish within a
// fragment's deadline (10 s by default) would only time out later, each holding a
// compute thread until then. At a few hundred milliseconds a job (up to three passes),
// 16 is seconds of work: enough to absorb a burst, few enough to fail fast under overload.
constexpr std::size_t kMaxQueuedJobs = 16;

struct Synthesis {
  std::vector<short> samples;
  const std::atomic<bool>* abandoned = nullptr;
};

int collect(short* samples, int count, espeak_EVENT* events) {
  auto* synthesis = static_cast<Synthesis*>(events->user_data);
  if (synthesis->abandoned->load(std::memory_order_relaxed)) return 1;  // stop: nobody waits
  if (samples && count > 0) synthesis->samples.insert(synthesis->samples.end(), samples, samples + count);
  return 0;
}

// Text as espeak should read it: control characters out, blanks collapsed. Empty
// means nothing to say.
std::string normalize(std::string_view text) {
  std::string normal;
  for (const char c : text) {
    const bool blank = static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == 0x7f;
    if (blank) {
      if (!normal.empty() && normal.back() != ' ') normal += ' ';
    } else {
      normal += c;
    }
  }
  while (!normal.empty() && normal.back() == ' ') normal.pop_back();
  return normal;
}

// The synthesized speech without the engine's leading and trailing silence.
std::vector<float> trimmed(const std::vector<short>& samples) {
  std::size_t first = 0, last = samples.size();
  auto loud = [](short sample) { return std::abs(sample / 32768.0F) > kSilence; };
  while (first < last && !loud(samples[first])) ++first;
  while (last > first && !loud(samples[last - 1])) --last;
  std::vector<float> speech(last - first);
  std::transform(samples.begin() + static_cast<std::ptrdiff_t>(first),
                 samples.begin() + static_cast<std::ptrdiff_t>(last), speech.begin(),
                 [](short sample) { return static_cast<float>(sample) / 32768.0F; });
  return speech;
}

// Everything the library's thread reads or writes lives in shared state, not on the
// caller's stack: after a timeout the call returns while that thread may still be at work.
struct SynthesisJob {
  std::string text;
  std::string voice;
  std::int64_t target_duration_ms = 0;
  int rate = kDefaultRate;
  std::vector<float> speech;
  std::string failure;
};

// One utterance at `words_per_minute`; false when it failed or was abandoned.
bool speak(SynthesisJob& job, int words_per_minute, const std::atomic<bool>& abandoned) {
  espeak_SetParameter(espeakRATE, words_per_minute, 0);
  Synthesis synthesis{{}, &abandoned};
  const auto size = job.text.size() + 1;
  if (espeak_Synth(job.text.c_str(), size, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, &synthesis) != EE_OK) {
    job.failure = "espeak-ng could not synthesize the text";
    return false;
  }
  job.speech = trimmed(synthesis.samples);
  return !abandoned.load();
}

// On the library's thread: speaks, then at most twice more at a rate scaled by how far
// the speech missed its target length.
void speak_to_fit(SynthesisJob& job, int sample_rate, const std::atomic<bool>& abandoned) {
  if (espeak_SetVoiceByName(job.voice.c_str()) != EE_OK) {
    job.failure = "espeak-ng has no voice \"" + job.voice + "\"";
    return;
  }
  if (!speak(job, job.rate, abandoned) || job.target_duration_ms <= 0) return;
  const double target = static_cast<double>(job.target_duration_ms) * sample_rate / 1000.0;
  for (int pass = 0; pass < 2 && !job.speech.empty(); ++pass) {
    const double ratio = static_cast<double>(job.speech.size()) / target;
    if (std::abs(ratio - 1) <= kCloseEnough) break;
    const int next = std::clamp(static_cast<int>(std::lround(job.rate * ratio)), kMinRate, kMaxRate);
    if (next == job.rate) break;
    job.rate = next;
    if (!speak(job, job.rate, abandoned)) return;
  }
}

}  // namespace

class EspeakSynthesizer::Worker {
 public:
  explicit Worker(const EspeakSettings& settings) {
    std::promise<int> started;
    auto initialized = started.get_future();
    thread_ = std::thread([this, settings, &started] {
      const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                         settings.data_path.empty() ? nullptr : settings.data_path.c_str(), 0);
      if (rate > 0) {
        espeak_SetSynthCallback(collect);
        languages_ = list_languages();
      }
      started.set_value(rate);
      if (rate > 0) run();
    });
    sample_rate_ = initialized.get();
    if (sample_rate_ <= 0) {
      thread_.join();
      throw StartupError("espeak-ng did not initialize (is espeak-ng-data installed?)");
    }
  }

  ~Worker() {
    {
      const util::MutexLock lock(mutex_);
      stopping_ = true;
    }
    queued_.notify_one();
    thread_.join();
  }

  const std::vector<std::string>& languages() const { return languages_; }
  int sample_rate() const { return sample_rate_; }

  // Runs `job` on the library's thread. A timeout when the queue is full (the job
  // would not start in time) or when the deadline passed first (the job then leaves
  // the queue, or sees `abandoned` and stops early).
  tl::expected<void, Error> run_job(const std::function<void(const std::atomic<bool>&)>& job,
                                    std::chrono::steady_clock::time_point deadline) {
    auto abandoned = std::make_shared<std::atomic<bool>>(false);
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    auto task = [job, abandoned, done] {
      if (!abandoned->load()) job(*abandoned);
      done->set_value();
    };
    {
      const util::MutexLock lock(mutex_);
      if (jobs_.size() >= kMaxQueuedJobs) {
        return tl::unexpected(
            Error{ErrorCode::timeout, "espeak-ng queue full: " + std::to_string(jobs_.size()) + " jobs waiting"});
      }
      jobs_.push_back(QueuedJob{std::move(task), abandoned});
    }
    queued_.notify_one();
    if (finished.wait_until(deadline) == std::future_status::ready) return {};
    withdraw(abandoned);
    return tl::unexpected(Error{ErrorCode::timeout, "espeak-ng did not finish within the deadline"});
  }

  util::PoolUsage usage() const {
    const util::MutexLock lock(mutex_);
    return {jobs_.size(), 1};
  }

 private:
  struct QueuedJob {
    std::function<void()> run;
    std::shared_ptr<std::atomic<bool>> abandoned;  // also names the job to its caller
  };

  // A job nobody waits for leaves the queue, so that it neither takes a place under
  // kMaxQueuedJobs from a caller still waiting nor counts as waiting in the metrics.
  void withdraw(const std::shared_ptr<std::atomic<bool>>& abandoned) {
    const util::MutexLock lock(mutex_);
    abandoned->store(true);
    std::erase_if(jobs_, [&abandoned](const QueuedJob& queued) { return queued.abandoned == abandoned; });
  }

  void run() {
    for (;;) {
      std::function<void()> job;
      {
        util::MutexLock lock(mutex_);
        // The condition in the loop, not in a predicate lambda: the analysis checks it there.
        while (!stopping_ && jobs_.empty()) queued_.wait(lock);
        if (jobs_.empty()) break;
        job = std::move(jobs_.front().run);
        jobs_.pop_front();
      }
      job();
    }
    espeak_Terminate();
  }

  static std::vector<std::string> list_languages() {
    std::vector<std::string> languages;
    for (const espeak_VOICE** voice = espeak_ListVoices(nullptr); voice && *voice; ++voice) {
      // "languages" is a priority byte then a name, repeated, ending with a zero byte.
      for (const char* entry = (*voice)->languages; entry && *entry; entry += std::strlen(entry + 1) + 2) {
        std::string language(entry + 1);
        if (language.size() == 2 && std::find(languages.begin(), languages.end(), language) == languages.end()) {
          languages.push_back(language);
        }
      }
    }
    std::sort(languages.begin(), languages.end());
    return languages;
  }

  std::thread thread_;
  int sample_rate_ = 0;
  std::vector<std::string> languages_;
  mutable util::Mutex mutex_;
  std::condition_variable_any queued_;  // waits on a MutexLock
  std::deque<QueuedJob> jobs_ STS_GUARDED_BY(mutex_);
  bool stopping_ STS_GUARDED_BY(mutex_) = false;
};

EspeakSynthesizer::EspeakSynthesizer(const EspeakSettings& settings) : worker_(std::make_unique<Worker>(settings)) {}

EspeakSynthesizer::~EspeakSynthesizer() = default;

const std::vector<std::string>& EspeakSynthesizer::languages() const { return worker_->languages(); }

util::PoolUsage EspeakSynthesizer::pool_usage() const { return worker_->usage(); }

tl::expected<Speech, Error> EspeakSynthesizer::synthesize(const Request& request) const {
  auto job = std::make_shared<SynthesisJob>();
  job->text = normalize(request.text);
  if (job->text.empty()) return tl::unexpected(Error{ErrorCode::invalid_text, "nothing to say after normalization"});
  const auto voice = request.voice.find("voice");
  job->voice = voice != request.voice.end() && voice->is_string() ? voice->get<std::string>() : request.language;
  const auto rate = request.voice.find("rate");
  if (rate != request.voice.end() && rate->is_number()) {
    job->rate = std::clamp(static_cast<int>(std::lround(rate->get<double>())), kMinRate, kMaxRate);
  }
  job->target_duration_ms = request.target_duration_ms;
  const int sample_rate = worker_->sample_rate();
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;

  const auto ran = worker_->run_job(
      [job, sample_rate](const std::atomic<bool>& abandoned) { speak_to_fit(*job, sample_rate, abandoned); }, deadline);
  if (!ran) return tl::unexpected(ran.error());
  if (!job->failure.empty()) return tl::unexpected(Error{ErrorCode::synthesis_failed, job->failure});
  if (job->speech.empty()) {
    return tl::unexpected(Error{ErrorCode::invalid_text, "espeak-ng produced no speech for the text"});
  }
  Speech result{audio::PcmBuffer{sample_rate, 1, std::move(job->speech)}, {{"tts_rate_wpm", job->rate}}};
  return result;
}

}  // namespace sts::tts
