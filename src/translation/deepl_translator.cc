// DeepL over util::HttpClient (a few kept-alive connections), one JSON POST per
// request, and the mapping of every failure to docs/protocol.md §4.
#include "translation/deepl_translator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <utility>

#include "errors/error.h"
#include "observability/log.h"
#include "util/http_client.h"
#include "util/json.h"

namespace sts::translation {
namespace {

constexpr std::string_view kProUrl = "https://api.deepl.com";
constexpr std::string_view kFreeUrl = "https://api-free.deepl.com";
constexpr std::string_view kFreeKeySuffix = ":fx";
// A translation of at most 128 KiB of text (DeepL's request limit) is far below
// this; anything larger is not an answer we want to hold in memory.
constexpr std::size_t kMaxResponseBytes = std::size_t{4} << 20;
constexpr std::size_t kMaxProviderMessage = 300;

// DeepL's text-translation languages as ISO 639-1 codes, from "Supported languages"
// at developers.deepl.com (2024). Every one is both a source and a target. A fixed
// list keeps start-up offline; a language DeepL adds later needs a line here.
constexpr std::array<std::string_view, 29> kLanguages = {"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr",
                                                         "hu", "id", "it", "ja", "ko", "lt", "lv", "nb", "nl", "pl",
                                                         "pt", "ro", "ru", "sk", "sl", "sv", "tr", "uk", "zh"};

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  return out;
}

std::vector<LanguagePair> all_pairs() {
  std::vector<LanguagePair> pairs;
  for (auto source : kLanguages) {
    for (auto target : kLanguages) {
      if (source != target) pairs.emplace_back(source, target);
    }
  }
  return pairs;
}

sts::Error failure(sts::ErrorCode code, std::string message) { return {code, "deepl: " + std::move(message)}; }

// DeepL's error bodies are {"message": "...", "detail": "..."}; anything else says nothing.
std::string provider_message(std::string_view body) {
  auto json = util::parse_json(body);
  if (!json || !json->is_object()) return {};
  std::string message;
  if (auto it = json->find("message"); it != json->end() && it->is_string()) message = it->get<std::string>();
  if (auto it = json->find("detail"); it != json->end() && it->is_string()) {
    message += (message.empty() ? "" : ": ") + it->get<std::string>();
  }
  if (message.size() > kMaxProviderMessage) message.resize(kMaxProviderMessage);
  return message;
}

sts::Error status_failure(long status, std::string_view body) {
  std::string message = "HTTP " + std::to_string(status);
  if (auto detail = provider_message(body); !detail.empty()) message += ": " + detail;
  if (status == 429) return failure(sts::ErrorCode::rate_limit_exceeded, std::move(message));
  if (status == 456) return failure(sts::ErrorCode::quota_exceeded, std::move(message));
  if (status == 401 || status == 403) return failure(sts::ErrorCode::auth_failed, std::move(message));
  if (status >= 500) return failure(sts::ErrorCode::translation_api_unavailable, std::move(message));
  // 400 (bad parameter, unknown glossary), 404, 413 (too large), 414, and redirects
  // (a wrong DEEPL_API_URL): the same request would fail again.
  return failure(sts::ErrorCode::translation_rejected, std::move(message));
}

tl::expected<std::vector<std::string>, sts::Error> parse_translations(std::string_view body, std::size_t expected) {
  auto json = util::parse_json(body);
  if (!json) {
    // A cut-off answer or a gateway's page: a fault on the provider's side that a
    // later attempt is likely not to meet.
    return tl::unexpected(
        failure(sts::ErrorCode::translation_api_unavailable, "HTTP 200 with a body that is not JSON"));
  }
  const auto invalid = [](std::string message) {
    return tl::unexpected(failure(sts::ErrorCode::invalid_response, std::move(message)));
  };
  auto list = json->is_object() ? json->find("translations") : json->end();
  if (!json->is_object() || list == json->end() || !list->is_array())
    return invalid("HTTP 200 without a translations array");
  if (list->size() != expected) {
    return invalid(std::to_string(list->size()) + " translations for " + std::to_string(expected) + " sentences");
  }
  std::vector<std::string> texts;
  texts.reserve(expected);
  for (const auto& item : *list) {
    auto text = item.is_object() ? item.find("text") : item.end();
    if (!item.is_object() || text == item.end() || !text->is_string()) return invalid("a translation without text");
    texts.push_back(text->get<std::string>());
  }
  return texts;
}

}  // namespace

std::string deepl_base_url(const DeeplSettings& settings) {
  std::string url = settings.api_url;
  if (url.empty()) {
    const bool free_key = settings.api_key.ends_with(kFreeKeySuffix);
    url = free_key ? kFreeUrl : kProUrl;
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::string deepl_target_language(std::string_view iso_code) {
  if (iso_code == "en") return "EN-US";
  if (iso_code == "pt") return "PT-BR";
  return upper(iso_code);
}

DeeplTranslator::DeeplTranslator(DeeplSettings settings) : settings_(std::move(settings)), pairs_(all_pairs()) {
  if (settings_.api_key.empty())
    throw sts::StartupError("deepl: DEEPL_API_KEY is empty; the deepl translator needs a key");
  if (settings_.max_connections < 1) throw sts::StartupError("deepl: max_connections must be at least 1");
  if (!util::http_available()) throw sts::StartupError("deepl: libcurl failed to initialize");
  const std::string base = deepl_base_url(settings_);
  if (!util::is_http_url(base)) {
    throw sts::StartupError("deepl: DEEPL_API_URL '" + base + "' is not an http(s) URL");
  }
  url_ = base + "/v2/translate";
  client_ = std::make_unique<util::HttpClient>(
      util::HttpClientSettings{url_,
                               {"Authorization: DeepL-Auth-Key " + settings_.api_key, "Content-Type: application/json"},
                               settings_.connect_timeout,
                               static_cast<std::size_t>(settings_.max_connections),
                               kMaxResponseBytes});
  observability::log_info("translator ready",
                          {{"engine", "deepl"}, {"url", url_}, {"max_connections", settings_.max_connections}});
}

DeeplTranslator::~DeeplTranslator() = default;

util::Readiness DeeplTranslator::readiness() const {
  auto readiness = client_->readiness();
  if (!readiness.ready) readiness.detail = "DeepL did not answer: " + readiness.detail;
  return readiness;
}

util::PoolUsage DeeplTranslator::pool_usage() const { return client_->pool_usage(); }

tl::expected<std::vector<std::string>, sts::Error> DeeplTranslator::translate(const Request& request) const {
  if (request.sentences.empty()) return std::vector<std::string>{};
  const auto deadline = util::HttpClient::Clock::now() + request.timeout;

  util::Json body = {{"text", request.sentences}, {"target_lang", deepl_target_language(request.target_language)}};
  if (!request.source_language.empty()) body["source_lang"] = upper(request.source_language);
  if (auto formality = request.formality ? request.formality : settings_.formality) body["formality"] = *formality;
  if (auto glossary = request.glossary_id ? request.glossary_id : settings_.glossary_id)
    body["glossary_id"] = *glossary;

  auto response = client_->post(util::to_json(body), deadline);
  if (!response) {
    const util::HttpError& error = response.error();
    if (error.deadline_passed()) {
      return tl::unexpected(failure(sts::ErrorCode::timeout, error.describe(request.timeout)));
    }
    // Refused, unresolvable, reset, TLS failures, an oversized answer: the provider
    // cannot be used right now.
    return tl::unexpected(failure(sts::ErrorCode::translation_api_unavailable, error.message));
  }
  if (response->status != 200) return tl::unexpected(status_failure(response->status, response->body));
  return parse_translations(response->body, request.sentences.size());
}

}  // namespace sts::translation
