// DeepL over libcurl: a small pool of easy handles (each keeps its connection alive),
// one JSON POST per request, and the mapping of every failure to PROTOCOL.md §4.
#include "translation/deepl_translator.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <new>
#include <utility>

#include "observability/log.h"
#include "util/json.h"

namespace sts::translation {
namespace {

using Clock = std::chrono::steady_clock;

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
constexpr std::array<std::string_view, 29> kLanguages = {
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "hu", "id", "it", "ja", "ko",
    "lt", "lv", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr", "uk", "zh"};

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  return out;
}

void init_curl_once() {
  static std::once_flag once;
  // curl_global_init is not thread-safe and must precede every other curl call.
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw EngineStartError("deepl: libcurl failed to initialise");
  });
}

// Only http and https: DEEPL_API_URL is the sole way a URL gets here.
bool is_http_url(const std::string& url) {
  CURLU* parsed = curl_url();
  if (parsed == nullptr) return false;
  char* scheme = nullptr;
  bool ok = curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
            curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            (std::string_view(scheme) == "http" || std::string_view(scheme) == "https");
  curl_free(scheme);
  curl_url_cleanup(parsed);
  return ok;
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

Failure failure(std::string code, std::string message, bool retryable) {
  return Failure{std::move(code), "deepl: " + std::move(message), retryable};
}

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

Failure status_failure(long status, std::string_view body) {
  std::string message = "HTTP " + std::to_string(status);
  if (auto detail = provider_message(body); !detail.empty()) message += ": " + detail;
  if (status == 429) return failure("RATE_LIMIT_EXCEEDED", std::move(message), true);
  if (status == 456) return failure("QUOTA_EXCEEDED", std::move(message), false);
  if (status == 401 || status == 403) return failure("AUTH_FAILED", std::move(message), false);
  if (status >= 500) return failure("TRANSLATION_API_UNAVAILABLE", std::move(message), true);
  // 400 (bad parameter, unknown glossary), 404, 413 (too large), 414, and redirects
  // (a wrong DEEPL_API_URL): the same request would fail again.
  return failure("TRANSLATION_REJECTED", std::move(message), false);
}

tl::expected<std::vector<std::string>, Failure> parse_translations(std::string_view body, std::size_t expected) {
  auto json = util::parse_json(body);
  if (!json) {
    // A cut-off answer or a gateway's page: a fault on the provider's side that a
    // later attempt is likely not to meet.
    return tl::unexpected(failure("TRANSLATION_API_UNAVAILABLE", "HTTP 200 with a body that is not JSON", true));
  }
  const auto invalid = [](std::string message) {
    return tl::unexpected(failure("INVALID_RESPONSE", std::move(message), false));
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

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& body = *static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  if (body.size() + bytes > kMaxResponseBytes) return 0;  // curl fails with CURLE_WRITE_ERROR
  body.append(data, bytes);
  return bytes;
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

// Easy handles lent one call at a time. A handle keeps its connection (and TLS
// session) open between calls, so a handle taken from the top of the idle stack
// usually finds a warm connection. Created on first need, up to `max`.
class DeeplTranslator::Connections {
 public:
  struct Handle {
    CURL* curl = nullptr;
    std::array<char, CURL_ERROR_SIZE> error{};
  };

  Connections(const std::string& url, const std::string& api_key, std::chrono::milliseconds connect_timeout,
              std::size_t max)
      : url_(url), connect_timeout_(connect_timeout), max_(max) {
    const std::string authorization = "Authorization: DeepL-Auth-Key " + api_key;
    // "Expect:" drops curl's 100-continue round trip before larger bodies.
    for (const std::string& header :
         {authorization, std::string("Content-Type: application/json"), std::string("Expect:")}) {
      curl_slist* extended = curl_slist_append(headers_, header.c_str());
      if (extended == nullptr) throw std::bad_alloc();
      headers_ = extended;
    }
  }

  ~Connections() {
    // Every lease has ended: translate() returns before the translator can go.
    for (auto& handle : all_) curl_easy_cleanup(handle->curl);
    curl_slist_free_all(headers_);
  }

  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // A free handle, or nullptr when none was free before `deadline`.
  Handle* borrow(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (idle_.empty() && all_.size() < max_) return create();
    if (!returned_.wait_until(lock, deadline, [&] { return !idle_.empty(); })) return nullptr;
    Handle* handle = idle_.back();
    idle_.pop_back();
    return handle;
  }

  void give_back(Handle* handle) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(handle);
    }
    returned_.notify_one();
  }

 private:
  // Options that never change; translate() sets the per-call ones. No network here.
  Handle* create() {
    auto handle = std::make_unique<Handle>();
    handle->curl = curl_easy_init();
    if (handle->curl == nullptr) throw std::bad_alloc();
    CURL* curl = handle->curl;
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "sts-service");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are threaded
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 1L);  // one host: one connection per handle
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle->error.data());
    all_.push_back(std::move(handle));
    return all_.back().get();
  }

  const std::string url_;
  const std::chrono::milliseconds connect_timeout_;
  const std::size_t max_;
  curl_slist* headers_ = nullptr;  // shared by every handle, freed after them
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Handle>> all_;
  std::vector<Handle*> idle_;
};

DeeplTranslator::DeeplTranslator(DeeplSettings settings) : settings_(std::move(settings)), pairs_(all_pairs()) {
  if (settings_.api_key.empty())
    throw EngineStartError("deepl: DEEPL_API_KEY is empty; the deepl translator needs a key");
  if (settings_.max_connections < 1) throw EngineStartError("deepl: max_connections must be at least 1");
  init_curl_once();
  const std::string base = deepl_base_url(settings_);
  if (!is_http_url(base)) throw EngineStartError("deepl: DEEPL_API_URL '" + base + "' is not an http(s) URL");
  url_ = base + "/v2/translate";
  connections_ = std::make_unique<Connections>(url_, settings_.api_key, settings_.connect_timeout,
                                               static_cast<std::size_t>(settings_.max_connections));
  observability::log_info("translator ready",
                          {{"engine", "deepl"}, {"url", url_}, {"max_connections", settings_.max_connections}});
}

DeeplTranslator::~DeeplTranslator() = default;

tl::expected<std::vector<std::string>, Failure> DeeplTranslator::translate(const Request& request) const {
  if (request.sentences.empty()) return std::vector<std::string>{};
  const auto deadline = Clock::now() + request.timeout;

  util::Json body = {{"text", request.sentences}, {"target_lang", deepl_target_language(request.target_language)}};
  if (!request.source_language.empty()) body["source_lang"] = upper(request.source_language);
  if (auto formality = request.formality ? request.formality : settings_.formality) body["formality"] = *formality;
  if (auto glossary = request.glossary_id ? request.glossary_id : settings_.glossary_id)
    body["glossary_id"] = *glossary;
  const std::string payload = util::to_json(body);

  Connections::Handle* handle = connections_->borrow(deadline);
  const auto timeout = std::to_string(request.timeout.count()) + " ms";
  if (handle == nullptr) return tl::unexpected(failure("TIMEOUT", "no free connection within " + timeout, true));
  struct Lease {
    Connections& pool;
    Connections::Handle* handle;
    ~Lease() { pool.give_back(handle); }
  } lease{*connections_, handle};

  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return tl::unexpected(failure("TIMEOUT", "no free connection within " + timeout, true));

  std::string response;
  CURL* curl = handle->curl;
  handle->error[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));  // 0 would mean "never"
  const CURLcode code = curl_easy_perform(curl);
  // The payload dies with this call; the handle must not keep pointing at it.
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);

  if (code != CURLE_OK) {
    std::string reason = handle->error[0] != '\0' ? handle->error.data() : curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return tl::unexpected(failure("TIMEOUT", "no answer within " + timeout + " (" + reason + ")", true));
    }
    // Refused, unresolvable, reset, TLS failures, an oversized answer: the provider
    // cannot be used right now.
    return tl::unexpected(failure("TRANSLATION_API_UNAVAILABLE", reason, true));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return tl::unexpected(status_failure(status, response));
  return parse_translations(response, request.sentences.size());
}

}  // namespace sts::translation
