#include "store/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>

#include <fmt/format.h>

namespace heft::store {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

constexpr size_t kErrorBodyLimit = 64 * 1024;

struct Transfer {
  HttpResponse* resp;
  const BodySink* sink;
  bool aborted_by_sink = false;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Headers of every response (a redirect's too): a status line starts a new set,
// and its status is what on_body needs before curl reports it at the end.
size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    t->resp->headers.clear();
    const auto sp = line.find(' ');
    if (sp != std::string_view::npos) t->resp->status = std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
    return size * n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    t->resp->headers[lower(line.substr(0, colon))] = std::string(value);
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  const long status = t->resp->status;  // set by on_header from the final response's status line
  if (*t->sink && status >= 200 && status < 300) {
    if (!(*t->sink)(*t->resp, std::string_view(data, bytes))) {
      t->aborted_by_sink = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    return bytes;
  }
  if (!*t->sink || t->resp->body.size() < kErrorBodyLimit)
    t->resp->body.append(data, std::min(bytes, *t->sink ? kErrorBodyLimit - t->resp->body.size() : bytes));
  return bytes;
}

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? nullptr : &it->second;
}

util::Result<HttpResponse> http_get(const HttpRequest& req, const BodySink& sink) {
  global_init();
  CURL* curl = curl_easy_init();
  if (!curl) return util::fail("cannot start an HTTP transfer (curl_easy_init failed)", req.url);
  HttpResponse resp;
  Transfer t{&resp, &sink};
  curl_slist* headers = nullptr;
  std::string auth;
  if (!req.bearer_token.empty()) {
    auth = fmt::format("Authorization: Bearer {}", req.bearer_token);
    headers = curl_slist_append(headers, auth.c_str());
  }
  headers = curl_slist_append(headers, "Accept-Encoding: identity");  // byte offsets must be the file's
  const std::string ua = fmt::format("User-Agent: heft/{}", HEFT_VERSION);
  headers = curl_slist_append(headers, ua.c_str());
  std::string range;
  if (req.range) range = fmt::format("{}-{}", req.range->first, req.range->second);

  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, req.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, req.stall_timeout_s);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  if (!range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  if (req.head_only) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);

  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective) resp.effective_url = effective;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    if (t.aborted_by_sink) return util::fail("transfer stopped", req.url);
    return util::fail(fmt::format("HTTP request failed: {}", curl_easy_strerror(rc)), req.url);
  }
  resp.status = status;
  return resp;
}

std::optional<double> parse_retry_after(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return std::nullopt;
    return std::strtod(std::string(value).c_str(), nullptr);
  }
  const time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

std::string url_origin(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  const auto path = url.find('/', scheme + 3);
  return std::string(url.substr(0, path));
}

std::string url_escape(std::string_view text, bool keep_slash) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.append(fmt::format("%{:02X}", c));
    }
  }
  return out;
}

}  // namespace heft::store
