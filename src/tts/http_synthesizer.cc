// Coqui tts-server over util::HttpClient: one form-encoded POST per request, the WAV
// answer decoded by audio::decode_payload, and every failure mapped to docs/protocol.md §4.
#include "tts/http_synthesizer.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "audio/codec.h"
#include "observability/log.h"
#include "util/http_client.h"
#include "util/json.h"

namespace sts::tts {
namespace {

// XTTS v2 speaks 24 kHz 16-bit mono: 48 kB a second, so this is minutes of speech,
// far beyond one fragment; anything larger is not an answer we want to hold.
constexpr std::size_t kMaxResponseBytes = std::size_t{32} << 20;
constexpr std::size_t kMaxExcerpt = 200;
constexpr std::string_view kWhitespace = " \t\n\r\f\v";

Error failure(ErrorCode code, std::string message) { return Error{code, "http tts: " + std::move(message)}; }

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// application/x-www-form-urlencoded, every byte but the unreserved ones as %XX
// (UTF-8 text included), which every form parser reads back.
void append_field(std::string& form, std::string_view name, std::string_view value) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  if (!form.empty()) form += '&';
  form += name;
  form += '=';
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (unreserved(byte)) {
      form += c;
    } else {
      form += '%';
      form += kHex[static_cast<std::size_t>(byte >> 4)];
      form += kHex[static_cast<std::size_t>(byte & 0x0F)];
    }
  }
}

// Length of the valid UTF-8 sequence at `at`, or 0.
std::size_t utf8_length(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 0;
  if (lead < 0x80) {
    length = 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
  }
  if (length == 0 || at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((static_cast<unsigned char>(text[at + i]) & 0xC0) != 0x80) return 0;
  }
  return length;
}

// Readable words for a message, which travels as JSON: tags dropped, whitespace and
// control bytes folded to one space, invalid UTF-8 as '?', at most kMaxExcerpt bytes.
std::string readable(std::string_view text) {
  std::string out;
  const auto space = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  bool in_tag = false;
  for (std::size_t at = 0; at < text.size();) {
    const char c = text[at];
    const std::size_t length = utf8_length(text, at);
    const std::size_t step = length == 0 ? 1 : length;
    if (in_tag || c == '<') {
      in_tag = c != '>';
      if (!in_tag) space();
    } else if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      space();
    } else if (out.size() + step > kMaxExcerpt) {
      break;
    } else if (length == 0) {
      out += '?';
    } else {
      out.append(text, at, length);
    }
    at += step;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// What the server said: coqui-tts's {"error": "..."}, else the text of Flask's HTML
// page (or whatever a proxy sent).
std::string body_excerpt(std::string_view body) {
  if (auto json = util::parse_json(body); json && json->is_object()) {
    if (auto error = json->find("error"); error != json->end() && error->is_string())
      return readable(error->get_ref<const std::string&>());
  }
  return readable(body);
}

// The voice key's string, "" when absent; an error naming the key when it is not a string.
tl::expected<std::string, Error> voice_string(const util::Json& voice, std::string_view key) {
  if (!voice.is_object()) return std::string{};
  const auto value = voice.find(key);
  if (value == voice.end() || value->is_null()) return std::string{};
  if (!value->is_string()) {
    return tl::unexpected(
        failure(ErrorCode::synthesis_failed, "voice key \"" + std::string(key) + "\" must be a string"));
  }
  return value->get<std::string>();
}

// The POST body for `request`, or why the voice cannot be used.
tl::expected<std::string, Error> form_for(const Request& request, std::string_view text) {
  std::string form;
  append_field(form, "text", text);
  if (!request.language.empty()) append_field(form, "language_id", request.language);
  auto speaker = voice_string(request.voice, "speaker");
  if (speaker && speaker->empty()) speaker = voice_string(request.voice, "speaker_id");
  if (!speaker) return tl::unexpected(speaker.error());
  if (!speaker->empty()) append_field(form, "speaker_id", *speaker);
  for (const std::string_view key : {"speaker_wav", "style_wav"}) {
    auto value = voice_string(request.voice, key);
    if (!value) return tl::unexpected(value.error());
    if (!value->empty()) append_field(form, key, *value);
  }
  return form;
}

tl::expected<Speech, Error> speech_from(const util::HttpResponse& response) {
  if (response.status != 200) {
    std::string message = "HTTP " + std::to_string(response.status);
    if (auto excerpt = body_excerpt(response.body); !excerpt.empty()) message += ": " + excerpt;
    // 500 (synthesis raised: an unknown speaker or language, a missing speaker_wav),
    // 400 (coqui-tts: blank text), 404 (a wrong TTS_URL), 502/503/504 from a proxy: only
    // the proxy's may pass at once, so only those the server retries.
    Error error = failure(ErrorCode::synthesis_failed, std::move(message));
    error.transient = response.status >= 502 && response.status <= 504;
    return tl::unexpected(std::move(error));
  }
  const std::span bytes(reinterpret_cast<const std::uint8_t*>(response.body.data()), response.body.size());
  auto pcm = audio::decode_payload(bytes, audio::DeclaredAudio{audio::AudioFormat::wav, 0, 0, 0});
  if (!pcm) {
    // tts-server answers 200 only with the WAV it wrote, so this is something else
    // at TTS_URL (a proxy's page, another service), which a retry would meet again.
    return tl::unexpected(
        failure(ErrorCode::synthesis_failed, "HTTP 200 whose body is not a usable WAV: " + pcm.error().message));
  }
  return Speech{std::move(*pcm), {{"tts_engine", "http"}}};
}

}  // namespace

HttpSynthesizer::HttpSynthesizer(HttpSynthesizerSettings settings) : settings_(std::move(settings)) {
  if (settings_.url.empty()) throw StartupError("http tts: TTS_URL is empty; the http synthesizer needs a server");
  if (settings_.max_connections < 1) throw StartupError("http tts: max_connections must be at least 1");
  if (settings_.languages.empty()) throw StartupError("http tts: languages must name at least one language");
  if (!util::http_available()) throw StartupError("http tts: libcurl failed to initialize");
  std::string base = settings_.url;
  while (base.ends_with('/')) base.pop_back();
  if (!util::is_http_url(base)) throw StartupError("http tts: TTS_URL '" + base + "' is not an http(s) URL");
  url_ = base + "/api/tts";
  client_ = std::make_unique<util::HttpClient>(util::HttpClientSettings{
      url_, {}, settings_.connect_timeout, static_cast<std::size_t>(settings_.max_connections), kMaxResponseBytes});
  observability::log_info(
      "synthesizer ready",
      {{"engine", "http"}, {"url", url_}, {"model", settings_.model}, {"max_connections", settings_.max_connections}});
}

HttpSynthesizer::~HttpSynthesizer() = default;

util::Readiness HttpSynthesizer::readiness() const {
  auto readiness = client_->readiness();
  if (!readiness.ready) readiness.detail = "the TTS server did not answer: " + readiness.detail;
  return readiness;
}

util::PoolUsage HttpSynthesizer::pool_usage() const { return client_->pool_usage(); }

tl::expected<Speech, Error> HttpSynthesizer::synthesize(const Request& request) const {
  const auto deadline = util::HttpClient::Clock::now() + request.timeout;
  const std::string_view text = trim(request.text);
  if (text.empty()) return tl::unexpected(failure(ErrorCode::invalid_text, "nothing to say: the text is blank"));
  auto form = form_for(request, text);
  if (!form) return tl::unexpected(form.error());

  auto response = client_->post(*form, deadline);
  if (!response) {
    const util::HttpError& error = response.error();
    if (error.deadline_passed()) return tl::unexpected(failure(ErrorCode::timeout, error.describe(request.timeout)));
    // Refused, unresolvable, reset, an oversized answer. docs/protocol.md has no retryable
    // "TTS unavailable" code, so this is SYNTHESIS_FAILED, not retryable by the worker;
    // the server retries it (a TTS server restarting). curl's words name the host; the
    // URL itself might carry credentials.
    Error failed = failure(ErrorCode::synthesis_failed, "no answer from the TTS server: " + error.message);
    failed.transient = true;
    return tl::unexpected(std::move(failed));
  }
  return speech_from(*response);
}

}  // namespace sts::tts
