// The `http` synthesizer: a Coqui TTS server (XTTS v2 deployments) over HTTP. One
// instance serves every stream; it keeps a few connections open and lends them out.
//
// The API is /api/tts of Coqui's stock `tts-server` (TTS/server/server.py; coqui-ai/TTS
// 0.22 and its maintained continuation idiap/coqui-ai-TTS, pip "coqui-tts"): GET or
// POST, parameters from the query string or a form body (Flask's request.values),
// answering 200 audio/wav (16-bit PCM; 24 kHz mono for XTTS v2). A failed synthesis
// is a 500: Flask's HTML error page (0.22) or {"error": "..."} (coqui-tts), and
// coqui-tts answers blank text with a 400. We send one form-encoded POST:
//   text         the request's text, trimmed
//   language_id  the request's language (XTTS: "es", "en", ...)
//   speaker_id   voice key "speaker", else "speaker_id": a speaker the model knows
//                (XTTS v2's built-in voices, e.g. "Ana Florence")
//   speaker_wav  voice key "speaker_wav": a reference recording, a path on the TTS
//                server, that XTTS clones (coqui-tts only; 0.22 ignores it)
//   style_wav    voice key "style_wav": a GST style (a path on the server or a JSON
//                token map); not used by XTTS
// Absent keys are not sent, so the server's own defaults (--speaker_idx,
// --language_idx) apply. The XTTS *streaming* servers (xtts-streaming-server,
// /tts_stream with JSON and cached latents) are a different API, not this one.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tts/synthesizer.h"

namespace sts::util {
class HttpClient;
}

namespace sts::tts {

struct HttpSynthesizerSettings {
  // TTS_URL: the server's base URL ("http://127.0.0.1:5002"), to which "/api/tts" is
  // appended.
  std::string url;
  // Establishing TCP (and TLS) may take this long; the request's own timeout bounds
  // the whole call, connecting included.
  std::chrono::milliseconds connect_timeout{2000};
  // Requests in flight at once, each on its own kept-alive connection; more callers
  // wait for one (within their request timeout). tts-server synthesizes one request
  // at a time, so more connections only queue there instead of here.
  int max_connections = 2;
  // What the model speaks, ISO 639-1; the server cannot be asked at start-up
  // without making start-up depend on it.
  std::vector<std::string> languages = {"es"};
  std::string model = "xtts";  // what metadata.tts_model reports
};

class HttpSynthesizer final : public Synthesizer {
 public:
  // Connects to nothing: connections open on first use. Throws StartupError
  // naming TTS_URL when the URL is empty or not http(s), and the setting when
  // max_connections is not positive or languages is empty.
  explicit HttpSynthesizer(HttpSynthesizerSettings settings);
  ~HttpSynthesizer() override;
  HttpSynthesizer(const HttpSynthesizer&) = delete;
  HttpSynthesizer& operator=(const HttpSynthesizer&) = delete;

  std::string_view name() const override { return "http"; }
  std::string_view model() const override { return settings_.model; }
  const std::vector<std::string>& languages() const override { return settings_.languages; }
  util::Readiness readiness() const override;
  // Its HTTP connections.
  util::PoolUsage pool_usage() const override;

  // One POST per request; the WAV answer decoded at its own rate, metadata
  // {"tts_engine": "http"}. Failures, docs/protocol.md §4 (tts stage):
  //   text blank after trimming: INVALID_TEXT, without a request
  //   a voice key above that is not a string: SYNTHESIS_FAILED
  //   any status but 200: SYNTHESIS_FAILED with the status and the start of the body
  //   200 whose body is not a usable WAV: SYNTHESIS_FAILED
  //   refused, unresolvable, reset: SYNTHESIS_FAILED
  //   no answer (or no free connection) within request.timeout: TIMEOUT (retryable)
  // SYNTHESIS_FAILED is never retryable (§4, and so errors/error.cc): docs/protocol.md
  // has no retryable "TTS unavailable" code. A server that is down fails each fragment
  // at once (connection refused) rather than holding it until its deadline.
  tl::expected<Speech, Error> synthesize(const Request& request) const override;

 private:
  HttpSynthesizerSettings settings_;
  std::string url_;  // {base}/api/tts
  std::unique_ptr<util::HttpClient> client_;
};

}  // namespace sts::tts
