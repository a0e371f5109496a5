#include "asr/pocketsphinx_engine.h"

#include <pocketsphinx.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "audio/samples.h"

namespace sts::asr {
namespace {

constexpr int kFramesPerSecond = 100;  // pocketsphinx's default -frate
// A domain's word list gets this share of the interpolated language model: enough to
// lift its words over acoustically similar common words, small enough that everything
// else is still recognized as before.
constexpr float kDomainWeight = 0.1F;
// A pause at least this long between words starts a new segment: subtitles and the
// translation get phrase-sized pieces rather than one run-on line.
constexpr int kSegmentPauseFrames = 40;

// The name ps_init gives the search built from -lm (PS_DEFAULT_SEARCH, in a header the
// library does not install). Asking with ps_get_search() would leak an iterator in
// this pocketsphinx version.
constexpr const char* kDefaultSearch = "_default";

bool is_filler(std::string_view word) {
  return word.empty() || word.front() == '<' || word.front() == '[' || word.starts_with("++");
}

tl::unexpected<sts::Error> deadline_passed() {
  return tl::unexpected(sts::Error{sts::ErrorCode::timeout, "fragment deadline passed during recognition"});
}

// "read(2)" is the dictionary's second pronunciation of "read".
std::string_view spelling(std::string_view word) {
  const auto alternative = word.find('(');
  return alternative == std::string_view::npos ? word : word.substr(0, alternative);
}

}  // namespace

struct PocketsphinxEngine::Decoder {
  ps_decoder_t* ps = nullptr;
  ~Decoder() {
    if (ps) ps_free(ps);
  }
};

namespace {

// The words of one domain list that the dictionary can pronounce: a word without a
// pronunciation cannot be recognized however likely the language model makes it.
std::vector<std::string> domain_words(const std::filesystem::path& list, ps_decoder_t* ps) {
  std::ifstream in(list);
  std::vector<std::string> words;
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::string word = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
    char* pronunciation = ps_lookup_word(ps, word.c_str());
    if (!pronunciation) continue;
    ckd_free(pronunciation);
    words.push_back(std::move(word));
  }
  return words;
}

// A unigram ARPA model giving every word of the list the same probability, in a
// fresh temporary file (mkstemp: no name another user could plant first); sphinxbase
// reads ARPA only from a file.
std::filesystem::path write_unigram_arpa(const std::vector<std::string>& words) {
  std::string path = (std::filesystem::temp_directory_path() / "sts-asr-domain-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) throw sts::StartupError("cannot create a temporary file for a domain language model: " + path);
  std::ostringstream text;
  const double log_probability = -std::log10(static_cast<double>(words.size()));
  text << "\\data\\\nngram 1=" << words.size() + 2 << "\n\n\\1-grams:\n-99 <s>\n" << log_probability << " </s>\n";
  for (const auto& word : words) text << log_probability << ' ' << word << '\n';
  text << "\n\\end\\\n";
  const std::string content = text.str();
  std::size_t written = 0;
  while (written < content.size()) {
    const auto count = ::write(fd, content.data() + written, content.size() - written);
    if (count <= 0) break;
    written += static_cast<std::size_t>(count);
  }
  ::close(fd);
  if (written != content.size()) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    throw sts::StartupError("cannot write a domain language model to " + path);
  }
  return path;
}

}  // namespace

PocketsphinxEngine::PocketsphinxEngine(const PocketsphinxSettings& settings)
    : pool_(static_cast<std::size_t>(std::max(1, settings.decoders)), {}) {
  namespace fs = std::filesystem;
  const fs::path root(settings.model_dir);
  const fs::path hmm = root / "en-us", lm = root / "en-us.lm.bin", dict = root / "cmudict-en-us.dict";
  for (const auto& required : {hmm / "mdef", hmm / "means", lm, dict}) {
    std::error_code error;
    if (!fs::is_regular_file(required, error))
      throw sts::StartupError("pocketsphinx model file missing: " + required.string() +
                              " (ASR_MODEL_PATH or install pocketsphinx-en-us)");
  }
  model_ = "pocketsphinx-en-us";
  for (int index = 0; index < std::max(1, settings.decoders); ++index) {
    // Capping the active HMMs and word exits per frame (defaults: unlimited) makes
    // decoding 20 % faster at no cost in accuracy on test-data/speech/en (WER
    // 24.3 % against 24.5 % with the defaults); tighter caps or beams lose words.
    std::vector<std::string> args = {"-hmm",   hmm.string(), "-lm",       lm.string(), "-dict",   dict.string(),
                                     "-logfn", "/dev/null",  "-maxhmmpf", "3000",      "-maxwpf", "10"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    cmd_ln_t* config = cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()), argv.data(), TRUE);
    if (!config) throw sts::StartupError("pocketsphinx rejected its configuration for " + root.string());
    auto decoder = std::make_unique<Decoder>();
    decoder->ps = ps_init(config);
    cmd_ln_free_r(config);
    if (!decoder->ps) throw sts::StartupError("pocketsphinx could not load the model in " + root.string());
    add_domains(*decoder, settings.domains_dir);
    pool_.add(std::move(decoder));
  }
}

void PocketsphinxEngine::add_domains(Decoder& decoder, const std::string& domains_dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (domains_dir.empty() || !fs::is_directory(domains_dir, error)) return;
  std::vector<fs::path> lists;
  for (const auto& entry : fs::directory_iterator(domains_dir, error)) {
    if (entry.path().extension() == ".txt") lists.push_back(entry.path());
  }
  std::sort(lists.begin(), lists.end());
  ps_decoder_t* ps = decoder.ps;
  cmd_ln_t* config = ps_get_config(ps);
  logmath_t* logmath = ps_get_logmath(ps);
  // One more copy of the general model (25 MB) per decoder, shared by its domains: the
  // decoder's own copy cannot serve, the search it belongs to has already scaled it
  // by the language weight. Each set holds a reference; ours goes at the end.
  ngram_model_t* general = ngram_model_read(config, cmd_ln_str_r(config, "-lm"), NGRAM_AUTO, logmath);
  if (!general) throw sts::StartupError("pocketsphinx could not read its language model again for the domains");
  struct Release {
    ngram_model_t* model;
    ~Release() { ngram_model_free(model); }
  } release_general{general};
  for (const auto& list : lists) {
    const auto words = domain_words(list, ps);
    if (words.empty()) continue;
    const std::string domain = list.stem().string();
    const auto arpa = write_unigram_arpa(words);
    ngram_model_t* domain_model = ngram_model_read(config, arpa.c_str(), NGRAM_ARPA, logmath);
    fs::remove(arpa, error);
    if (!domain_model) {
      throw sts::StartupError("pocketsphinx could not build the language model for domain list " + list.string());
    }
    ngram_model_t* models[2] = {general, domain_model};
    char general_name[] = "general", domain_name[] = "domain";
    char* names[2] = {general_name, domain_name};
    const float32 weights[2] = {1 - kDomainWeight, kDomainWeight};
    ngram_model_t* interpolated = ngram_model_set_init(config, models, names, weights, 2);
    ngram_model_free(domain_model);
    const int added = interpolated ? ps_set_lm(ps, domain.c_str(), interpolated) : -1;
    if (interpolated) ngram_model_free(interpolated);  // the search holds its own reference
    if (added < 0) throw sts::StartupError("pocketsphinx could not add the search for domain list " + list.string());
    if (std::find(domains_.begin(), domains_.end(), domain) == domains_.end()) domains_.push_back(domain);
  }
}

PocketsphinxEngine::~PocketsphinxEngine() = default;

tl::expected<Transcript, sts::Error> PocketsphinxEngine::recognize(const audio::PcmBuffer& pcm,
                                                                   const Request& request) const {
  if (pcm.sample_rate_hz != kSampleRateHz || pcm.channels != 1)
    return tl::unexpected(sts::Error{sts::ErrorCode::invalid_audio, "pocketsphinx needs 16 kHz mono audio"});
  std::vector<std::int16_t> samples(pcm.samples.size());
  audio::float_to_s16(pcm.samples.data(), reinterpret_cast<std::uint8_t*>(samples.data()), samples.size());

  const auto decoder = pool_.acquire();  // no deadline: every decoder exists from the start, so one comes back
  if (request.stop.stop_requested()) return deadline_passed();
  ps_decoder_t* ps = decoder->ps;
  if (ps_set_search(ps, search_for(request.domain_hints)) < 0)
    return tl::unexpected(sts::Error{sts::ErrorCode::model_error, "pocketsphinx could not select its search"});

  // One call for the whole utterance (full_utt): its cepstral mean normalisation then uses all of it, where fed in
  // pieces it would use a running estimate and hear other words. So the stop is heeded around the decode, not in it.
  if (ps_start_utt(ps) < 0 || ps_process_raw(ps, samples.data(), samples.size(), FALSE, TRUE) < 0 || ps_end_utt(ps) < 0)
    return tl::unexpected(sts::Error{sts::ErrorCode::model_error, "pocketsphinx failed to decode the utterance"});
  if (request.stop.stop_requested()) return deadline_passed();

  Transcript transcript;
  logmath_t* logmath = ps_get_logmath(ps);
  Segment current;
  double confidence_sum = 0;
  int words_in_segment = 0;
  int last_end_frame = -kSegmentPauseFrames;
  auto close_segment = [&] {
    if (words_in_segment == 0) return;
    current.confidence = confidence_sum / words_in_segment;
    transcript.segments.push_back(std::move(current));
    current = {};
    confidence_sum = 0;
    words_in_segment = 0;
  };
  for (ps_seg_t* seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
    const std::string_view word = ps_seg_word(seg);
    if (is_filler(word)) continue;
    int start_frame = 0, end_frame = 0;
    ps_seg_frames(seg, &start_frame, &end_frame);
    if (start_frame - last_end_frame >= kSegmentPauseFrames) close_segment();
    int32 acoustic = 0, language = 0, linguistic = 0;
    const double posterior = logmath_exp(logmath, ps_seg_prob(seg, &acoustic, &language, &linguistic));
    if (words_in_segment == 0) {
      current.start_ms = request.offset_ms + start_frame * 1000 / kFramesPerSecond;
    } else {
      current.text += ' ';
    }
    current.text += spelling(word);
    current.end_ms = request.offset_ms + (end_frame + 1) * 1000 / kFramesPerSecond;
    confidence_sum += std::clamp(posterior, 0.0, 1.0);
    ++words_in_segment;
    last_end_frame = end_frame;
  }
  close_segment();
  return transcript;
}

const char* PocketsphinxEngine::search_for(const std::vector<std::string>& hints) const {
  for (const auto& hint : hints) {
    const auto domain = std::find(domains_.begin(), domains_.end(), hint);
    if (domain != domains_.end()) return domain->c_str();
  }
  return kDefaultSearch;
}

}  // namespace sts::asr
