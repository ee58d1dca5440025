#include "store/remote_model.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "store/digest.h"
#include "store/hf_cache.h"

namespace heft::store {

namespace {

constexpr uint64_t kMaxHeader = 256ull << 20;

// bytes [0, n) of a file on the Hub.
util::Result<std::string> fetch_range(const HubConfig& hub, const RepoInfo& info, const RepoFile& f, uint64_t n,
                                      const RetryPolicy& retry) {
  HttpRequest req{.url = resolve_url(hub, info.repo, info.commit, f.path), .bearer_token = hub.token,
                  .range = std::pair<uint64_t, uint64_t>{0, n - 1}};
  for (int attempt = 0;; ++attempt) {
    std::string body;
    auto r = http_get(req, [&](const HttpResponse&, std::string_view chunk) {
      body.append(chunk.substr(0, std::min<size_t>(chunk.size(), n - std::min<size_t>(n, body.size()))));
      return body.size() < n;  // a server that ignores Range is cut off here
    });
    if (body.size() >= n || (r && r->status / 100 == 2 && body.size() == std::min(n, f.size))) return body;
    if (r && !retryable_status(r->status) && r->status / 100 != 2)
      return std::unexpected(hub_error(*r, f.path, hub, info.repo));
    if (attempt + 1 >= retry.attempts)
      return util::fail(fmt::format("{}: cannot read its first bytes: {}", f.path, r ? fmt::format("HTTP {}", r->status) : r.error().message));
    std::this_thread::sleep_for(std::chrono::duration<double>(retry_delay(retry, attempt, r ? &*r : nullptr)));
  }
}

}  // namespace

std::string quant_label(const std::string& path) {
  static const std::regex kQuant(R"((?:^|[-_.])((?:I?Q[1-8](?:_[0-9A-Z]+)*)|BF16|F16|F32|MXFP4|TQ[12]_0)(?=[-_.]))",
                                 std::regex::icase);
  const std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::smatch m;
  std::string found;
  for (auto it = name.cbegin(); std::regex_search(it, name.cend(), m, kQuant); it = m[0].second) found = m[1];
  for (auto& c : found) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return found;  // the last such word: "Llama-3-8B-Q4_K_M" is Q4_K_M, not a Q from the model's name
}

std::vector<GgufGroup> gguf_groups(const RepoInfo& info) {
  std::vector<GgufGroup> groups;
  for (const auto& f : info.files) {
    std::string lower = f.path;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower.ends_with(".gguf") || lower.find("mmproj") != std::string::npos) continue;
    const int part = split_part(f.path);
    const std::string stem = part ? f.path.substr(0, f.path.size() - std::string("-00001-of-00001.gguf").size()) : f.path;
    auto g = std::find_if(groups.begin(), groups.end(), [&](const GgufGroup& x) {
      return part && x.parts.size() && split_part(x.parts[0]->path) && x.parts[0]->path.starts_with(stem) &&
             x.parts[0]->path.size() == f.path.size();
    });
    if (g == groups.end()) {
      const std::string q = quant_label(f.path);
      groups.push_back({.label = q.empty() ? f.path : q});
      g = groups.end() - 1;
    }
    g->parts.push_back(&f);
    g->bytes += f.size;
  }
  for (auto& g : groups)
    std::sort(g.parts.begin(), g.parts.end(), [](const RepoFile* a, const RepoFile* b) { return a->path < b->path; });
  // Two files of one quantization (say, two model sizes in one repository): their paths tell them apart.
  for (auto& g : groups)
    if (std::count_if(groups.begin(), groups.end(), [&](const GgufGroup& x) { return x.label == g.label; }) > 1)
      g.label = g.parts[0]->path;
  std::stable_sort(groups.begin(), groups.end(), [](const GgufGroup& a, const GgufGroup& b) { return a.bytes < b.bytes; });
  return groups;
}

util::Result<formats::GgufHeader> fetch_gguf_header(const HubConfig& hub, const RepoInfo& info, const RepoFile& f,
                                                    const RetryPolicy& retry) {
  uint64_t want = std::min<uint64_t>(2 << 20, f.size);
  while (true) {
    const std::string bytes = HEFT_TRY(fetch_range(hub, info, f, want, retry));
    auto h = HEFT_TRY(formats::parse_gguf_header(
        {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, f.size, fmt::format("{}/{}", info.repo, f.path)));
    if (h.complete()) return h;
    if (want >= f.size || h.needed_bytes > kMaxHeader)
      return util::fail(fmt::format("{}: the GGUF header does not end within {} bytes", f.path, std::min(f.size, kMaxHeader)));
    want = std::min(f.size, std::max(h.needed_bytes, want * 2));
  }
}

util::Result<std::string> fetch_small_file(const HubConfig& hub, const RepoInfo& info, const RepoFile& f, uint64_t limit,
                                           const RetryPolicy& retry) {
  if (f.size > limit) return util::fail(fmt::format("{}: {} bytes, more than the {} read here", f.path, f.size, limit));
  if (f.size == 0) return std::string();
  std::string body = HEFT_TRY(fetch_range(hub, info, f, f.size, retry));
  const std::string got = f.sha256 ? [&] { Sha256 h; h.update(body); return h.hex_digest(); }() : git_blob_sha1(body);
  if (got != f.etag()) return util::fail(fmt::format("{}: digest mismatch: expected {}, got {}", f.path, f.etag(), got));
  return body;
}

util::Result<std::vector<FitModel>> remote_fit_models(const HubConfig& hub, const RepoRef& ref) {
  const RepoInfo info = HEFT_TRY(fetch_repo_info(hub, ref.repo, ref.revision));
  std::vector<FitModel> out;
  for (const auto& g : gguf_groups(info)) {
    if (!ref.selector.empty()) {
      const bool named = std::any_of(g.parts.begin(), g.parts.end(), [&](const RepoFile* f) {
        return f->path == ref.selector || names_quant(f->path, ref.selector);
      });
      if (!named) continue;
    }
    auto header = HEFT_TRY(fetch_gguf_header(hub, info, *g.parts.front()));
    FitModel m = HEFT_TRY(fit_model(std::move(header), g.label));
    m.mapped_bytes = g.bytes;  // every part is mapped
    out.push_back(std::move(m));
  }
  if (out.empty())
    return util::fail(ref.selector.empty() ? fmt::format("{} has no GGUF files to fit", ref.repo)
                                           : fmt::format("{} has no GGUF file named for '{}'", ref.repo, ref.selector));
  return out;
}

}  // namespace heft::store
