#include "asr/whisper_engine.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <system_error>
#include <utility>

#include "asr/whisper_model_file.h"
#include "observability/log.h"
#include "whisper.h"

namespace sts::asr {
namespace {

// Domain hints come from the client. whisper.cpp tokenises the prompt with
// std::regex and a quadratic longest-match search, and keeps at most half its text
// context (224 tokens) of it anyway: a short prompt is all that can help.
constexpr std::size_t kMaxPromptBytes = 256;

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// While a thread loads a model, whisper.cpp's error lines are collected here so the
// StartupError can say why.
thread_local std::string* t_load_errors = nullptr;

class CollectingLoadErrors {
 public:
  explicit CollectingLoadErrors(std::string& errors) { t_load_errors = &errors; }
  ~CollectingLoadErrors() { t_load_errors = nullptr; }
  CollectingLoadErrors(const CollectingLoadErrors&) = delete;
  CollectingLoadErrors& operator=(const CollectingLoadErrors&) = delete;
};

void route_whisper_log(ggml_log_level level, const char* text, void* /*user_data*/) {
  if (text == nullptr) return;
  const auto line = trim(text);
  if (line.empty()) return;
  if (level == GGML_LOG_LEVEL_ERROR && t_load_errors != nullptr) {
    if (!t_load_errors->empty()) t_load_errors->append("; ");
    t_load_errors->append(line);
  }
  // whisper.cpp narrates every load and decode; the service's own lines say what
  // matters, so its lines are kept for debugging only.
  if (observability::log_enabled(observability::LogLevel::debug)) {
    observability::log_debug("whisper.cpp", {{"whisper_level", static_cast<int>(level)}, {"text", line}});
  }
}

void route_whisper_logs_once() {
  static std::once_flag once;
  std::call_once(once, [] { whisper_log_set(&route_whisper_log, nullptr); });
}

tl::unexpected<sts::Error> deadline_passed() {
  return tl::unexpected(sts::Error{sts::ErrorCode::timeout, "fragment deadline passed during recognition"});
}

sts::StartupError load_error(const std::string& path, std::string_view reason) {
  return sts::StartupError("cannot load whisper model '" + path + "': " + std::string(reason));
}

// Before whisper.cpp sees the path: its own message for a missing file is one line
// on its log, and a directory would open as an empty stream.
void check_readable(const std::string& path) {
  if (path.empty()) throw load_error(path, "no model path given");
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw load_error(path, "no such file");
  if (std::filesystem::is_directory(status)) throw load_error(path, "it is a directory");
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw load_error(path, std::string("cannot open it: ") + std::strerror(errno));
  std::fclose(file);
}

std::vector<std::string> model_languages(whisper_context* context) {
  if (!whisper_is_multilingual(context)) return {"en"};
  // One language token per language, between start-of-transcript and translate.
  const int count =
      std::min(whisper_token_translate(context) - whisper_token_sot(context) - 1, whisper_lang_max_id() + 1);
  std::vector<std::string> languages;
  for (int id = 0; id < count; ++id) languages.emplace_back(whisper_lang_str(id));
  return languages;
}

// "Topic: sports, news." from the hints that fit in kMaxPromptBytes.
std::string initial_prompt(const std::vector<std::string>& hints) {
  std::string topics;
  for (const auto& hint : hints) {
    const auto topic = trim(hint);
    if (topic.empty()) continue;
    const std::size_t grown = topics.size() + (topics.empty() ? 0 : 2) + topic.size();
    if (grown + 8 > kMaxPromptBytes) continue;
    if (!topics.empty()) topics.append(", ");
    topics.append(topic);
  }
  return topics.empty() ? std::string() : "Topic: " + topics + ".";
}

// The prompt is borrowed, not copied: it must outlive the whisper_full call.
whisper_full_params greedy_params(int threads, const std::string& language, const std::string& prompt) {
  whisper_full_params params = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
  params.n_threads = threads;
  params.language = language.c_str();
  params.detect_language = false;
  params.translate = false;
  // A state serves every stream in turn: no text may carry over from one call to the next.
  params.no_context = true;
  params.no_timestamps = false;
  params.single_segment = false;
  params.print_special = false;
  params.print_progress = false;
  params.print_realtime = false;
  params.print_timestamps = false;
  params.initial_prompt = prompt.empty() ? nullptr : prompt.c_str();
  return params;
}

// The mean probability of the segment's text tokens; none when it has only special ones.
std::optional<double> text_confidence(whisper_state* state, int segment, whisper_token first_special) {
  double probability_sum = 0.0;
  int text_tokens = 0;
  const int n_tokens = whisper_full_n_tokens_from_state(state, segment);
  for (int j = 0; j < n_tokens; ++j) {
    if (whisper_full_get_token_id_from_state(state, segment, j) >= first_special) continue;
    probability_sum += static_cast<double>(whisper_full_get_token_p_from_state(state, segment, j));
    ++text_tokens;
  }
  if (text_tokens == 0) return std::nullopt;
  return probability_sum / text_tokens;
}

// The non-empty segments of the state's last decode, placed on the stream timeline.
Transcript read_transcript(whisper_context* context, whisper_state* state, const Request& request,
                           std::int64_t duration_ms) {
  Transcript transcript;
  const whisper_token first_special = whisper_token_eot(context);  // every special token comes after the text tokens
  const int n_segments = whisper_full_n_segments_from_state(state);
  for (int i = 0; i < n_segments; ++i) {
    const auto text = trim(whisper_full_get_segment_text_from_state(state, i));
    if (text.empty()) continue;
    // whisper's times are in 10 ms units from the start of the audio.
    const std::int64_t start =
        std::clamp<std::int64_t>(whisper_full_get_segment_t0_from_state(state, i) * 10, 0, duration_ms);
    const std::int64_t end =
        std::clamp<std::int64_t>(whisper_full_get_segment_t1_from_state(state, i) * 10, start, duration_ms);
    transcript.segments.push_back(Segment{request.offset_ms + start, request.offset_ms + end, std::string(text),
                                          text_confidence(state, i, first_special)});
  }
  return transcript;
}

}  // namespace

WhisperEngine::WhisperEngine(WhisperSettings settings)
    : settings_(std::move(settings)),
      pool_(static_cast<std::size_t>(settings_.max_parallel), [this] { return make_state(); }) {
  if (settings_.threads < 1 || settings_.max_parallel < 1) {
    throw std::invalid_argument("WhisperSettings: threads and max_parallel must be at least 1");
  }
  route_whisper_logs_once();
  const std::string& path = settings_.model_path;
  check_readable(path);
  if (const auto checked = check_whisper_model_file(path); !checked) throw load_error(path, checked.error());

  whisper_context_params params = whisper_context_default_params();
  params.use_gpu = settings_.use_gpu;
  std::string errors;
  {
    const CollectingLoadErrors collecting(errors);
    // No default state: every call borrows one from the pool instead.
    context_.reset(whisper_init_from_file_with_params_no_state(path.c_str(), params));
  }
  if (!context_) throw load_error(path, errors.empty() ? "whisper.cpp refused it" : errors);
  model_name_ = std::filesystem::path(path).filename().string();
  languages_ = model_languages(context_.get());

  // The first state now, so that a model too big for memory fails at start-up, not
  // on the first fragment.
  StatePool::Item state(whisper_init_state(context_.get()));
  if (!state) throw load_error(path, "no memory for a decoder state");
  pool_.add(std::move(state));
}

void WhisperEngine::ContextDeleter::operator()(whisper_context* context) const { whisper_free(context); }
void WhisperEngine::StateDeleter::operator()(whisper_state* state) const { whisper_free_state(state); }

// No recognize() call may still run: every state must be back in the pool.
WhisperEngine::~WhisperEngine() = default;

// The pool asks for another state when none is idle and fewer than max_parallel exist.
// One that cannot be made (memory) sends the caller to wait for an existing one: there
// is always at least one.
WhisperEngine::StatePool::Item WhisperEngine::make_state() const {
  StatePool::Item state(whisper_init_state(context_.get()));
  if (!state) {
    // The pool counts the place it holds for this state while it is made.
    observability::log_warning("whisper: no memory for another decoder state; waiting for a busy one",
                               {{"states", pool_.size() - 1}});
  }
  return state;
}

tl::expected<Transcript, sts::Error> WhisperEngine::recognize(const audio::PcmBuffer& pcm,
                                                              const Request& request) const {
  if (pcm.sample_rate_hz != kSampleRateHz || pcm.channels != 1) {
    return tl::unexpected(sts::Error{sts::ErrorCode::invalid_audio, "whisper hears 16 kHz mono, got " +
                                                                        std::to_string(pcm.sample_rate_hz) + " Hz, " +
                                                                        std::to_string(pcm.channels) + " channels"});
  }
  if (std::find(languages_.begin(), languages_.end(), request.language) == languages_.end()) {
    // stream:init refuses a language the engine does not list; reaching here is a bug.
    return tl::unexpected(
        sts::Error{sts::ErrorCode::model_error,
                   "whisper model " + model_name_ + " does not hear language '" + request.language + "'"});
  }
  if (pcm.samples.size() > static_cast<std::size_t>(INT_MAX)) {
    return tl::unexpected(sts::Error{sts::ErrorCode::invalid_audio, "fragment too long for whisper"});
  }
  if (pcm.samples.empty()) return Transcript{};

  const std::string prompt = initial_prompt(request.domain_hints);
  whisper_full_params params = greedy_params(settings_.threads, request.language, prompt);
  // whisper.cpp asks after the encoder and after each decoder step; the callback wants a
  // mutable pointer, hence the copy.
  std::stop_token stop = request.stop;
  params.abort_callback = [](void* token) { return static_cast<std::stop_token*>(token)->stop_requested(); };
  params.abort_callback_user_data = &stop;
  const auto lease = pool_.acquire();
  // Waiting for a state may have outlasted the deadline: no inference that would be thrown away.
  if (stop.stop_requested()) return deadline_passed();
  whisper_state* state = lease.get();
  const int status =
      whisper_full_with_state(context_.get(), state, params, pcm.samples.data(), static_cast<int>(pcm.samples.size()));
  if (status != 0) {
    if (stop.stop_requested()) return deadline_passed();
    return tl::unexpected(
        sts::Error{sts::ErrorCode::model_error, "whisper_full failed with status " + std::to_string(status)});
  }
  return read_transcript(context_.get(), state, request, pcm.duration_ms());
}

}  // namespace sts::asr
