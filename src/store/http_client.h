#pragma once
// HTTP GET over libcurl for the Hub client: redirects followed (the Hub answers
// LFS files with a redirect to its CDN; curl drops the Authorization header
// when a redirect leaves the host, so a token never reaches the CDN), proxies
// from the environment, HTTPS with the system's CA store, Range requests, a
// stall timeout instead of a total one (a 40 GB file takes as long as it takes).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace heft::store {

struct HttpRequest {
  std::string url;
  std::string bearer_token;                   // sent as Authorization: Bearer …; empty: none
  std::optional<std::pair<uint64_t, uint64_t>> range;  // bytes [first, last], inclusive as HTTP has it
  bool head_only = false;
  bool follow_redirects = true;
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;                  // abort when under 1 byte/s for this long
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // of the last response; names lower-case
  std::string body;                            // when no sink was given
  std::string effective_url;
  const std::string* header(std::string_view name) const;
};

// Receives the body of a 2xx response as it arrives, with that response's status
// and headers; returning false aborts the transfer.
using BodySink = std::function<bool(const HttpResponse& head, std::string_view chunk)>;

// One request. Transport failures (DNS, refused, reset, timeout, aborted by the
// sink) are errors; any HTTP status is a response. With a sink, the body of a
// 2xx response goes to it and other statuses keep theirs (up to 64 KiB) in `body`.
util::Result<HttpResponse> http_get(const HttpRequest& req, const BodySink& sink = {});

// The text of RFC 9110's Retry-After (seconds or an HTTP date) in seconds from now, when valid.
std::optional<double> parse_retry_after(std::string_view value);

// "https://host:port/…" → "https://host:port"; "" when not a URL.
std::string url_origin(std::string_view url);

// Percent-encodes a path segment's characters outside RFC 3986's unreserved set; '/' kept when keep_slash.
std::string url_escape(std::string_view text, bool keep_slash);

}  // namespace heft::store
