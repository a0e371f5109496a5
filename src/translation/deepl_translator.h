// The `deepl` translator: DeepL API v2 /translate over HTTPS with libcurl. One
// instance serves every stream; it keeps a few connections open and lends them out.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "translation/translator.h"

namespace sts::util {
class HttpClient;
}

namespace sts::translation {

struct DeeplSettings {
  std::string api_key;  // DEEPL_API_KEY; a key ending in ":fx" is a DeepL API Free key
  // DEEPL_API_URL: the base URL ("http://127.0.0.1:8080") to which "/v2/translate" is
  // appended. Empty: https://api-free.deepl.com for a Free key, else https://api.deepl.com.
  std::string api_url;
  // Establishing TCP (and TLS) may take this long; the request's own timeout bounds
  // the whole call, connecting included.
  std::chrono::milliseconds connect_timeout{2000};
  // Requests in flight at once, each on its own kept-alive connection; more callers
  // wait for one (within their request timeout).
  int max_connections = 4;
  // Defaults for requests that do not set their own.
  std::optional<std::string> formality;    // "more" | "less" | "prefer_more" | "prefer_less"
  std::optional<std::string> glossary_id;  // a glossary made for this language pair
};

// The base URL requests go to (no trailing slash), chosen as DeeplSettings describes.
std::string deepl_base_url(const DeeplSettings& settings);

// DeepL's target_lang for an ISO 639-1 code: upper case, except the languages DeepL
// wants a variant for ("en" -> "EN-US", "pt" -> "PT-BR": plain EN and PT are
// deprecated as targets, and these are the variants most dubbed audiences expect).
std::string deepl_target_language(std::string_view iso_code);

class DeeplTranslator final : public Translator {
 public:
  // Connects to nothing: connections open on first use. Throws sts::StartupError
  // naming DEEPL_API_KEY when the key is empty, DEEPL_API_URL when the URL is not an
  // http(s) URL, and the setting when max_connections is not positive.
  explicit DeeplTranslator(DeeplSettings settings);
  ~DeeplTranslator() override;
  DeeplTranslator(const DeeplTranslator&) = delete;
  DeeplTranslator& operator=(const DeeplTranslator&) = delete;

  std::string_view name() const override { return "deepl"; }
  std::string_view model() const override { return "deepl"; }
  // Every ordered pair of DeepL's text languages (a fixed list, see the .cc).
  const std::vector<LanguagePair>& pairs() const override { return pairs_; }
  util::Readiness readiness() const override;
  // Its HTTP connections.
  util::PoolUsage pool_usage() const override;

  // One POST with every sentence. HTTP and transport failures map to docs/protocol.md §4:
  //   429 RATE_LIMIT_EXCEEDED (retryable)     456 QUOTA_EXCEEDED
  //   401, 403 AUTH_FAILED                    5xx TRANSLATION_API_UNAVAILABLE (retryable)
  //   other statuses (400, 404, 413, ...) TRANSLATION_REJECTED, with DeepL's message
  //   refused, unresolvable, reset: TRANSLATION_API_UNAVAILABLE (retryable)
  //   no answer within request.timeout: TIMEOUT (retryable)
  //   200 whose body is not JSON (a truncated answer, a proxy's page):
  //     TRANSLATION_API_UNAVAILABLE (retryable)
  //   200 JSON without one translation per sentence: INVALID_RESPONSE (not retryable:
  //     the same request would get the same wrong answer)
  // Messages carry the HTTP status and DeepL's message, never the key.
  tl::expected<std::vector<std::string>, sts::Error> translate(const Request& request) const override;

 private:
  DeeplSettings settings_;
  std::string url_;  // {base}/v2/translate
  std::vector<LanguagePair> pairs_;
  std::unique_ptr<util::HttpClient> client_;
};

}  // namespace sts::translation
