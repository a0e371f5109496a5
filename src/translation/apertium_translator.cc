#include "translation/apertium_translator.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "errors/error.h"
#include "observability/log.h"

extern char** environ;

namespace sts::translation {
namespace {

using Clock = std::chrono::steady_clock;

// Plain text enters the pipeline as apertium-destxt would deformat it (a deformatter
// process per pair would only add a stage): the characters the stream format
// reserves escaped, and a sentence end with an empty superblank appended, which the
// tagger needs to read the last words as a sentence and which also makes every stage
// let the last token through before the flush.
constexpr std::string_view kReserved = "\\[]^$/@<>{}~";
constexpr std::string_view kSentenceEnd = ".[]";

std::string escape(std::string_view sentence) {
  std::string escaped;
  escaped.reserve(sentence.size() + 8);
  for (const char c : sentence) {
    if (c == '\0' || c == '\n' || c == '\r') {
      escaped += ' ';
      continue;
    }
    if (c == '~') {
      escaped += "[~]";  // a stream-format mark no escape protects; a superblank does
      continue;
    }
    if (kReserved.find(c) != std::string_view::npos) escaped += '\\';
    escaped += c;
  }
  escaped += kSentenceEnd;
  escaped += '\0';
  return escaped;
}

// The reverse, as apertium-retxt: the appended sentence end and superblanks go,
// escapes are undone. Blanks are kept as they come, except where a word Spanish
// leaves out (a subject pronoun) leaves two in a row.
std::string unescape(std::string_view output) {
  if (output.ends_with(kSentenceEnd)) output.remove_suffix(kSentenceEnd.size());
  std::string text;
  text.reserve(output.size());
  for (std::size_t index = 0; index < output.size(); ++index) {
    char c = output[index];
    if (c == '\\' && index + 1 < output.size()) {
      c = output[++index];
    } else if (c == '[' || c == ']') {
      continue;  // superblanks: the sentence end's, and those around a tilde
    }
    const bool blank = c == ' ' || c == '\n' || c == '\t';
    if (blank && (text.empty() || text.back() == ' ')) continue;
    text += blank ? ' ' : c;
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<std::int64_t>(left, 0, 60'000));
}

// The pair's pipeline in null-flush mode, exactly as the `apertium` script would run
// it for plain text with -u (no unknown-word marks: "-n" for the generator).
std::string pipeline_command(const std::filesystem::path& mode_file) {
  const std::string command = "apertium-wblank-mode -z '" + mode_file.string() + "' 2>/dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {};
  std::string text;
  std::array<char, 4096> buffer{};
  for (std::size_t count; (count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;)
    text.append(buffer.data(), count);
  if (::pclose(pipe) != 0) return {};
  for (const auto& [variable, value] : {std::pair{"$1", "-n"}, std::pair{"$2", ""}}) {
    for (auto at = text.find(variable); at != std::string::npos; at = text.find(variable, at)) {
      text.replace(at, 2, value);
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string iso639_1(std::string_view apertium_code) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 30> kCodes{{
      {"eng", "en"}, {"spa", "es"}, {"cat", "ca"}, {"fra", "fr"}, {"por", "pt"}, {"ita", "it"},
      {"deu", "de"}, {"glg", "gl"}, {"oci", "oc"}, {"epo", "eo"}, {"eus", "eu"}, {"arg", "an"},
      {"nno", "nn"}, {"nob", "nb"}, {"swe", "sv"}, {"dan", "da"}, {"isl", "is"}, {"rus", "ru"},
      {"ukr", "uk"}, {"bel", "be"}, {"pol", "pl"}, {"ces", "cs"}, {"slk", "sk"}, {"ron", "ro"},
      {"bul", "bg"}, {"mkd", "mk"}, {"hbs", "sh"}, {"slv", "sl"}, {"cym", "cy"}, {"bre", "br"},
  }};
  for (const auto& [three, two] : kCodes) {
    if (three == apertium_code) return std::string(two);
  }
  return {};
}

class ApertiumTranslator::Pipeline {
 public:
  explicit Pipeline(Pair& pair) : pair_(pair) {
    {
      const util::MutexLock lock(pair_.mutex);
      pair_.all.push_back(this);
    }
    start();
  }
  ~Pipeline() {
    stop();
    const util::MutexLock lock(pair_.mutex);
    std::erase(pair_.all, this);
  }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  int process_group() const { return pid_.load(); }
  // False once it failed to start or an exchange failed: it is of no more use.
  bool running() const { return pid_.load() > 0; }

  // One sentence in, its translation out, within the deadline. A failed exchange
  // kills the pipeline, which may still be working on a sentence nobody waits for.
  tl::expected<std::string, sts::Error> translate(std::string_view sentence, Clock::time_point deadline) {
    // With no time left nothing is sent, and the pipeline stays as healthy as it is.
    if (Clock::now() >= deadline) return timed_out();
    if (observability::log_enabled(observability::LogLevel::debug)) {
      observability::log_debug("apertium translating", {{"process_group", pid_.load()}, {"bytes", sentence.size()}});
    }
    auto result = exchange(escape(sentence), deadline);
    if (!result) stop();
    return result;
  }

 private:
  tl::expected<std::string, sts::Error> exchange(const std::string& input, Clock::time_point deadline) {
    if (pid_ <= 0) {
      return tl::unexpected(sts::Error{sts::ErrorCode::translation_api_unavailable, "apertium did not start"});
    }
    // Non-blocking I/O, so that only poll() waits, and only until the deadline.
    for (std::size_t sent = 0; sent < input.size();) {
      if (!wait_for(to_child_, POLLOUT, deadline)) return timed_out();
      const auto count = ::send(to_child_, input.data() + sent, input.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (count < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (count <= 0) return died("writing");
      sent += static_cast<std::size_t>(count);
    }
    std::string output;
    while (output.empty() || output.back() != '\0') {
      if (!wait_for(from_child_, POLLIN, deadline)) return timed_out();
      std::array<char, 4096> buffer{};
      const auto count = ::recv(from_child_, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (count < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (count <= 0) return died("reading");
      output.append(buffer.data(), static_cast<std::size_t>(count));
    }
    output.pop_back();
    return unescape(output);
  }

  // True when `fd` is ready for `events` before the deadline (or has hung up, which
  // the following send or recv reports).
  static bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
      pollfd ready{fd, events, 0};
      const int count = ::poll(&ready, 1, remaining_ms(deadline));
      if (count > 0) return true;
      if (count == 0) return false;
      if (errno != EINTR) return true;
    }
  }

  tl::expected<std::string, sts::Error> timed_out() const {
    return tl::unexpected(sts::Error{sts::ErrorCode::timeout, "apertium did not answer within the deadline"});
  }
  tl::expected<std::string, sts::Error> died(const char* doing) const {
    observability::log_warning("apertium pipeline died; restarting it", {{"while", doing}, {"pid", pid_.load()}});
    return tl::unexpected(
        sts::Error{sts::ErrorCode::translation_api_unavailable, std::string("apertium stopped while ") + doing});
  }

  void start() {
    int to[2] = {-1, -1}, from[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, to) != 0) return;
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, from) != 0) {
      ::close(to[0]);
      ::close(to[1]);
      return;
    }
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_adddup2(&files, to[1], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&files, from[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&files, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    // The server's sockets are not all close-on-exec (Asio opens them without): a
    // pipeline holding a client's socket would keep that connection from closing.
    posix_spawn_file_actions_addclosefrom_np(&files, 3);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Its own process group, so that the whole pipeline (bash and every stage) can be
    // killed at once; default signal handling, whatever the server's threads block.
    sigset_t no_signals, default_signals;
    sigemptyset(&no_signals);
    sigemptyset(&default_signals);
    sigaddset(&default_signals, SIGPIPE);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setsigmask(&attributes, &no_signals);
    posix_spawnattr_setsigdefault(&attributes, &default_signals);
    std::string shell = "/bin/bash", flag = "-c", command = pair_.command;
    char* argv[] = {shell.data(), flag.data(), command.data(), nullptr};
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, shell.c_str(), &files, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attributes);
    ::close(to[1]);
    ::close(from[1]);
    if (spawned != 0) {
      ::close(to[0]);
      ::close(from[0]);
      return;
    }
    to_child_ = to[0];
    from_child_ = from[0];
    pid_ = pid;
    observability::log_info("apertium pipeline started", {{"process_group", pid}});
  }

  void stop() {
    if (to_child_ >= 0) ::close(to_child_);
    if (from_child_ >= 0) ::close(from_child_);
    to_child_ = from_child_ = -1;
    const pid_t pid = pid_.exchange(0);
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      // The whole group, not only its leader: when the server is PID 1 (a container
      // without an init), the leader's children become ours as it dies, and would stay
      // zombies. Otherwise the leader is our only child in the group.
      while (::waitpid(-pid, nullptr, 0) > 0 || errno == EINTR) {
      }
    }
  }

  Pair& pair_;
  int to_child_ = -1;
  int from_child_ = -1;
  std::atomic<pid_t> pid_{0};  // also the process group id
};

// A replacement is not warmed up as the first pipelines are: the call that starts it
// waits for the dictionaries either way, and its first sentence waits only within the
// call's deadline.
ApertiumTranslator::Pair::Pair(std::string shell_command, std::size_t pipelines)
    : command(std::move(shell_command)), pool(pipelines, [this] { return std::make_unique<Pipeline>(*this); }) {}

ApertiumTranslator::ApertiumTranslator(const ApertiumSettings& settings) {
  namespace fs = std::filesystem;
  std::error_code error;
  std::vector<fs::path> modes;
  for (const auto& entry : fs::directory_iterator(settings.modes_dir, error)) {
    if (entry.path().extension() == ".mode") modes.push_back(entry.path());
  }
  std::sort(modes.begin(), modes.end());
  for (const auto& mode : modes) {
    const std::string name = mode.stem().string();
    const auto dash = name.find('-');
    if (dash == std::string::npos) continue;
    const LanguagePair pair{iso639_1(name.substr(0, dash)), iso639_1(name.substr(dash + 1))};
    if (pair.first.empty() || pair.second.empty() || by_pair_.contains(pair)) continue;
    std::string command = pipeline_command(mode);
    if (command.empty()) throw sts::StartupError("apertium: cannot read the pipeline of " + mode.string());
    const auto pipelines = static_cast<std::size_t>(std::max(1, settings.pipelines_per_pair));
    auto entry = std::make_unique<Pair>(std::move(command), pipelines);
    for (std::size_t index = 0; index < pipelines; ++index) {
      auto pipeline = std::make_unique<Pipeline>(*entry);
      // The first sentence through a pipeline pays for loading its dictionaries
      // (about 120 ms): pay it now rather than on a stream's first fragment.
      if (!pipeline->translate("Hello.", Clock::now() + std::chrono::seconds(10))) {
        throw sts::StartupError("apertium: the " + name + " pipeline does not translate");
      }
      entry->pool.add(std::move(pipeline));
    }
    pairs_.push_back(pair);
    by_pair_.emplace(pair, std::move(entry));
  }
  if (pairs_.empty()) {
    throw sts::StartupError("apertium: no language pair installed in " + settings.modes_dir +
                            " (install apertium-eng-spa)");
  }
}

ApertiumTranslator::~ApertiumTranslator() = default;

util::PoolUsage ApertiumTranslator::pool_usage() const {
  util::PoolUsage usage;
  for (const auto& [pair, entry] : by_pair_) {
    const util::PoolUsage pair_usage = entry->pool.usage();
    usage.waiting += pair_usage.waiting;
    usage.size += pair_usage.size;
  }
  return usage;
}

std::vector<int> ApertiumTranslator::process_groups() const {
  std::vector<int> groups;
  for (const auto& [pair, entry] : by_pair_) {
    const util::MutexLock lock(entry->mutex);
    for (const Pipeline* pipeline : entry->all) groups.push_back(pipeline->process_group());
  }
  return groups;
}

tl::expected<std::vector<std::string>, sts::Error> ApertiumTranslator::translate(const Request& request) const {
  const auto found = by_pair_.find({request.source_language, request.target_language});
  if (found == by_pair_.end()) {
    return tl::unexpected(
        sts::Error{sts::ErrorCode::unsupported_language_pair,
                   "apertium has no " + request.source_language + "-" + request.target_language + " pair"});
  }
  const auto deadline = Clock::now() + request.timeout;
  auto lease = found->second->pool.acquire_until(deadline);
  if (!lease) {
    return tl::unexpected(sts::Error{sts::ErrorCode::timeout, "every apertium pipeline stayed busy past the deadline"});
  }
  Pipeline& pipeline = **lease;
  std::vector<std::string> translations;
  for (const auto& sentence : request.sentences) {
    if (sentence.find_first_not_of(" \t\r\n") == std::string::npos) {
      translations.emplace_back();
      continue;
    }
    auto translated = pipeline.translate(sentence, deadline);
    if (!translated) {
      // Its place goes to a fresh pipeline, which the pool starts for the next call.
      if (!pipeline.running()) lease->discard();
      return tl::unexpected(std::move(translated.error()));
    }
    translations.push_back(std::move(*translated));
  }
  return translations;
}

}  // namespace sts::translation
