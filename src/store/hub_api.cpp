#include "store/hub_api.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::store {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool truthy(std::string v) {
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

bool is_hex(std::string_view s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// The next page's URL from a Link header, when it has rel="next".
std::string next_link(const HttpResponse& r) {
  const std::string* link = r.header("link");
  if (!link) return "";
  size_t pos = 0;
  while ((pos = link->find('<', pos)) != std::string::npos) {
    const auto end = link->find('>', pos);
    if (end == std::string::npos) break;
    const auto next = link->find(',', end);
    const auto params = link->substr(end, next == std::string::npos ? std::string::npos : next - end);
    if (params.find("rel=\"next\"") != std::string::npos) return link->substr(pos + 1, end - pos - 1);
    pos = end;
  }
  return "";
}

util::Result<HttpResponse> get_json(const HubConfig& hub, const std::string& url, const RetryPolicy& retry) {
  HttpRequest req{.url = url, .bearer_token = hub.token};
  for (int attempt = 0;; ++attempt) {
    auto r = http_get(req);
    const bool again = !r || retryable_status(r->status);
    if (!again || attempt + 1 >= retry.attempts) return r;
    std::this_thread::sleep_for(std::chrono::duration<double>(retry_delay(retry, attempt, r ? &*r : nullptr)));
  }
}

}  // namespace

util::Result<HubConfig> hub_config(const std::string& token_file) {
  HubConfig c;
  c.endpoint = env("HF_ENDPOINT");
  if (c.endpoint.empty()) c.endpoint = "https://huggingface.co";
  while (c.endpoint.ends_with('/')) c.endpoint.pop_back();
  c.offline = truthy(env("HF_HUB_OFFLINE"));
  if (!token_file.empty()) {
    auto text = util::read_file(token_file);
    if (!text) return util::fail("cannot read the token file", token_file);
    c.token = trim(*text);
    if (c.token.empty()) return util::fail("the token file is empty", token_file);
    return c;
  }
  c.token = trim(env("HF_TOKEN"));
  if (c.token.empty()) {
    std::string path = env("HF_TOKEN_PATH");
    if (path.empty()) {
      const std::string home = env("HF_HOME");
      if (!home.empty()) path = home + "/token";
      else if (!env("XDG_CACHE_HOME").empty()) path = env("XDG_CACHE_HOME") + "/huggingface/token";
      else if (!env("HOME").empty()) path = env("HOME") + "/.cache/huggingface/token";
    }
    if (!path.empty())
      if (auto text = util::read_file(path)) c.token = trim(*text);
  }
  return c;
}

bool retryable_status(long status) { return status == 408 || status == 429 || status >= 500; }

double retry_delay(const RetryPolicy& p, int attempt, const HttpResponse* resp) {
  if (resp)
    if (const auto* ra = resp->header("retry-after"))
      if (auto s = parse_retry_after(*ra)) return std::min(*s, 300.0);
  static thread_local std::mt19937 rng{std::random_device{}()};
  const double d = std::min(30.0, p.base_delay_s * static_cast<double>(1u << std::min(attempt, 10)));
  return d * std::uniform_real_distribution<double>(0.75, 1.25)(rng);  // jitter: retries of many clients spread out
}

bool safe_repo_path(std::string_view path) {
  if (path.empty() || path.size() > 4096 || path.front() == '/') return false;
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') return false;
  size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    start = end + 1;
  }
  return true;
}

util::Error hub_error(const HttpResponse& resp, const std::string& what, const HubConfig& hub, const std::string& repo) {
  const std::string code = resp.header("x-error-code") ? *resp.header("x-error-code") : "";
  std::string message;
  if (auto j = util::Json::parse(resp.body, "hub")) message = j->get_string("error");
  const std::string page = fmt::format("{}/{}", hub.endpoint, repo);
  if (code == "GatedRepo" || (resp.status == 403 && message.find("gated") != std::string::npos))
    return util::Error(fmt::format("{} is gated: accept its conditions at {} while logged in, then give a token with "
                                   "read access (HF_TOKEN or --token-file){}",
                                   repo, page, hub.token.empty() ? "; no token was given" : "; the token given was refused"));
  if (code == "RepoNotFound" || (resp.status == 401 && code.empty()))
    return util::Error(fmt::format("repository {} not found at {}{}", repo, hub.endpoint,
                                   hub.token.empty() ? " (if it is private, give a token: HF_TOKEN or --token-file)" : ""));
  if (code == "RevisionNotFound") return util::Error(fmt::format("{}: {}", repo, message.empty() ? "revision not found" : message));
  if (code == "EntryNotFound") return util::Error(fmt::format("{}: {}", repo, message.empty() ? "file not found" : message));
  return util::Error(fmt::format("{}: {} answered HTTP {}{}{}", what, hub.endpoint, resp.status, message.empty() ? "" : ": ", message));
}

std::string resolve_url(const HubConfig& hub, const std::string& repo, const std::string& commit, const std::string& path) {
  return fmt::format("{}/{}/resolve/{}/{}", hub.endpoint, repo, url_escape(commit, false), url_escape(path, true));
}

util::Result<void> parse_tree_page(std::string_view body, const std::string& where, std::vector<RepoFile>& files) {
  auto j = util::Json::parse(body, where);
  if (!j || !j->is_array()) return util::fail("the Hub's file listing is not a JSON array", where);
  for (const auto& e : j->as_array()) {
    if (!e.is_object() || e.get_string("type") != "file") continue;
    RepoFile f;
    f.path = e.get_string("path");
    if (!safe_repo_path(f.path)) return util::fail(fmt::format("the Hub lists an unsafe file name '{}'", f.path), where);
    const auto* size = e.find("size");
    if (!size || !size->is_integer() || size->as_int() < 0) return util::fail(fmt::format("{}: no size in the listing", f.path), where);
    f.size = size->as_uint();
    f.git_oid = e.get_string("oid");
    if (!is_hex(f.git_oid, 40)) return util::fail(fmt::format("{}: no git object id in the listing", f.path), where);
    if (const auto* lfs = e.find("lfs"); lfs && lfs->is_object()) {
      const std::string oid = lfs->get_string("oid");
      if (!is_hex(oid, 64)) return util::fail(fmt::format("{}: the LFS sha256 is malformed", f.path), where);
      f.sha256 = oid;
      if (const auto* s = lfs->find("size"); s && s->is_integer() && s->as_uint() != f.size)
        return util::fail(fmt::format("{}: the listing gives two sizes", f.path), where);
    }
    files.push_back(std::move(f));
  }
  return {};
}

util::Result<RepoInfo> fetch_repo_info(const HubConfig& hub, const std::string& repo, const std::string& revision,
                                       const RetryPolicy& retry) {
  RepoInfo info{.repo = repo, .revision = revision};
  const std::string where = fmt::format("{}/{}", hub.endpoint, repo);
  {
    auto r = HEFT_TRY(get_json(hub, fmt::format("{}/api/models/{}/revision/{}", hub.endpoint, repo, url_escape(revision, false)), retry));
    if (r.status != 200) return std::unexpected(hub_error(r, "model info", hub, repo));
    auto j = util::Json::parse(r.body, where);
    if (!j || !j->is_object()) return util::fail("the Hub's model info is not a JSON object", where);
    info.commit = j->get_string("sha");
    if (!is_hex(info.commit, 40)) return util::fail("the Hub's model info has no commit id (sha)", where);
    if (const auto* g = j->find("gated"); g && g->is_string()) info.gated = g->as_string();
  }
  std::string url = fmt::format("{}/api/models/{}/tree/{}?recursive=true&expand=false", hub.endpoint, repo, info.commit);
  for (int page = 0; !url.empty(); ++page) {
    if (page > 10000) return util::fail("the Hub's file listing does not end", where);
    // A next page must stay on the endpoint: the token goes with it.
    if (url_origin(url) != url_origin(hub.endpoint)) return util::fail(fmt::format("the Hub's file listing points elsewhere: {}", url), where);
    auto r = HEFT_TRY(get_json(hub, url, retry));
    if (r.status != 200) return std::unexpected(hub_error(r, "file listing", hub, repo));
    HEFT_TRY(parse_tree_page(r.body, where, info.files));
    url = next_link(r);
  }
  std::sort(info.files.begin(), info.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (size_t i = 1; i < info.files.size(); ++i)
    if (info.files[i].path == info.files[i - 1].path) return util::fail(fmt::format("the Hub lists '{}' twice", info.files[i].path), where);
  return info;
}

}  // namespace heft::store
