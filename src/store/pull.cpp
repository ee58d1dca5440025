#include "store/pull.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace heft::store {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool top_level(const std::string& p) { return p.find('/') == std::string::npos; }

// The card and licence texts: small, read by `heft license` and `heft show`.
bool card_or_licence(const std::string& p) {
  if (!top_level(p)) return false;
  const std::string l = lower(p);
  return l == "readme.md" || l.starts_with("license") || l.starts_with("licence") || l.starts_with("use_policy") ||
         l.starts_with("notice") || l.starts_with("copying");
}

// What running a safetensors checkpoint needs beside its weights.
bool checkpoint_companion(const std::string& p) {
  if (!top_level(p)) return false;
  const std::string l = lower(p);
  return l.ends_with(".json") || l == "tokenizer.model" || l.ends_with(".jinja") || l.ends_with(".tiktoken") ||
         l == "merges.txt" || l == "vocab.txt";
}

std::string quant_list(const std::vector<RepoFile>& files) {
  std::string out;
  for (const auto& f : files)
    if (lower(f.path).ends_with(".gguf") && split_part(f.path) <= 1) out.append(out.empty() ? "" : ", ").append(f.path);
  return out;
}

util::Result<void> write_atomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  static std::atomic<uint64_t> serial{0};
  const fs::path tmp = fmt::format("{}.tmp.{}.{}", path.string(), ::getpid(), serial++);  // two pulls may write one ref
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return util::fail("cannot write", tmp.string());
  }
  fs::rename(tmp, path, ec);
  if (ec) return util::fail(fmt::format("cannot write: {}", ec.message()), path.string());
  return {};
}

}  // namespace

uint64_t PullPlan::bytes() const {
  uint64_t n = 0;
  for (const auto& f : small) n += f.size;
  for (const auto& f : weights) n += f.size;
  return n;
}

util::Result<PullPlan> plan_pull(RepoInfo info, const std::string& selector, const std::string& cache) {
  PullPlan plan;
  plan.snapshot_dir = (fs::path(cache) / repo_folder(info.repo) / "snapshots" / info.commit).string();
  const auto& files = info.files;
  const std::string where = fmt::format("{}@{}", info.repo, info.commit.substr(0, 12));
  for (const auto& f : files)
    if (card_or_licence(f.path)) plan.small.push_back(f);
  auto add_weight = [&](const RepoFile& f) {
    if (std::none_of(plan.weights.begin(), plan.weights.end(), [&](const RepoFile& w) { return w.path == f.path; }))
      plan.weights.push_back(f);
  };
  if (!selector.empty()) {
    auto exact = std::find_if(files.begin(), files.end(), [&](const RepoFile& f) { return f.path == selector; });
    std::vector<const RepoFile*> hits;
    if (exact != files.end()) {
      hits.push_back(&*exact);
    } else {
      for (const auto& f : files)
        if (lower(f.path).ends_with(".gguf") && names_quant(f.path, selector)) hits.push_back(&f);
    }
    if (hits.empty())
      return util::fail(fmt::format("{} has no file '{}' and no GGUF named for it ({})", where, selector,
                                    quant_list(files).empty() ? "it has no GGUF files" : quant_list(files)));
    // Several files for a quantization are the parts of one split GGUF, or a choice to make.
    std::vector<std::string> groups;
    for (const auto* f : hits) {
      std::string stem = f->path;
      if (const int part = split_part(f->path); part > 0) stem = f->path.substr(0, f->path.size() - std::string("-00001-of-00001.gguf").size());
      if (std::find(groups.begin(), groups.end(), stem) == groups.end()) groups.push_back(stem);
    }
    if (groups.size() > 1) {
      std::string names;
      for (const auto* f : hits)
        if (split_part(f->path) <= 1) names.append(names.empty() ? "" : ", ").append(f->path);
      return util::fail(fmt::format("{} has several GGUF files for '{}': {}; name one as {}:PATH", where, selector, names, info.repo));
    }
    for (const auto* f : hits) {
      if (const int part = split_part(f->path); part > 0) {
        // Every part of the split file, even those the selector did not name.
        for (const auto& g : files)
          if (split_part(g.path) > 0 && g.path.starts_with(groups[0]) && g.path.size() == f->path.size()) add_weight(g);
      } else {
        add_weight(*f);
      }
    }
    if (exact != files.end() && card_or_licence(exact->path)) plan.weights.clear();
  } else {
    const bool st = std::any_of(files.begin(), files.end(), [](const RepoFile& f) { return top_level(f.path) && lower(f.path).ends_with(".safetensors"); });
    const bool bin = std::any_of(files.begin(), files.end(), [](const RepoFile& f) { return top_level(f.path) && lower(f.path).ends_with(".bin"); });
    if (st || bin) {
      for (const auto& f : files) {
        const std::string l = lower(f.path);
        if (!top_level(f.path)) continue;
        if (st ? l.ends_with(".safetensors") : (l.ends_with(".bin") && l.find("training_args") == std::string::npos)) add_weight(f);
        else if (checkpoint_companion(f.path)) plan.small.push_back(f);
      }
    } else if (!quant_list(files).empty()) {
      return util::fail(fmt::format("{} holds GGUF files; name one as {}:QUANT or {}:PATH ({})", where, info.repo, info.repo, quant_list(files)));
    } else {
      return util::fail(fmt::format("{} holds neither GGUF files nor safetensors weights", where));
    }
  }
  std::sort(plan.small.begin(), plan.small.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::sort(plan.weights.begin(), plan.weights.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  plan.info = std::move(info);
  return plan;
}

util::Result<void> link_snapshot_file(const std::string& repo_dir, const std::string& commit, const RepoFile& f) {
  const fs::path link = fs::path(repo_dir) / "snapshots" / commit / f.path;
  const fs::path blob = fs::path(repo_dir) / "blobs" / f.etag();
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  const fs::path target = fs::relative(blob, link.parent_path(), ec);
  if (ec) return util::fail(fmt::format("cannot link: {}", ec.message()), link.string());
  // A name of this process's own: two pulls may link the same file at once.
  static std::atomic<uint64_t> serial{0};
  const fs::path tmp = fmt::format("{}.heft-link.{}.{}", link.string(), ::getpid(), serial++);
  fs::remove(tmp, ec);
  fs::create_symlink(target, tmp, ec);
  if (ec) return util::fail(fmt::format("cannot link: {}", ec.message()), link.string());
  fs::rename(tmp, link, ec);  // replaces an older link in one step
  if (ec) return util::fail(fmt::format("cannot link: {}", ec.message()), link.string());
  return {};
}

util::Result<std::string> pull_offline(const RepoRef& ref) {
  const std::string cache = hub_cache_dir();
  auto path = resolve_model(cache, ref);
  if (!path) return util::fail(fmt::format("HF_HUB_OFFLINE is set and the store ({}) cannot give {}: {}", cache, ref.repo, path.error().message));
  return path;
}

util::Result<PullResult> pull(const HubConfig& hub, const RepoRef& ref, const PullOptions& opts) {
  const std::string cache = hub_cache_dir();
  auto info = HEFT_TRY(fetch_repo_info(hub, ref.repo, ref.revision, opts.retry));
  PullResult result{.plan = HEFT_TRY(plan_pull(std::move(info), ref.selector, cache))};
  const PullPlan& plan = result.plan;
  const fs::path repo_dir = fs::path(cache) / repo_folder(ref.repo);
  if (opts.progress) opts.progress->total = plan.bytes();
  const uint64_t fetched_before = opts.progress ? opts.progress->fetched.load() : 0;

  auto fetch = [&](const RepoFile& f, PrefixCheck check) -> util::Result<void> {
    DownloadTarget t{
        .url = resolve_url(hub, ref.repo, plan.info.commit, f.path),
        .token = hub.token,
        .blob_path = (repo_dir / "blobs" / f.etag()).string(),
        .lock_path = (fs::path(cache) / ".locks" / repo_folder(ref.repo) / (f.etag() + ".lock")).string(),
        .display = f.path,
        .size = f.size,
        .sha256 = f.sha256.value_or(""),
        .git_oid = f.git_oid,
    };
    DownloadOptions d{.connections = opts.connections, .retry = opts.retry, .progress = opts.progress,
                      .cancel = opts.cancel, .check = std::move(check), .notice = opts.notice};
    HEFT_TRY(download_blob(t, d));
    return link_snapshot_file(repo_dir.string(), plan.info.commit, f);
  };

  for (const auto& f : plan.small) HEFT_TRY(fetch(f, {}));
  // The branch or tag now names this commit here too (huggingface_hub writes refs/<revision>).
  if (ref.revision != plan.info.commit) HEFT_TRY(write_atomically(repo_dir / "refs" / ref.revision, plan.info.commit));
  if (opts.before_weights) HEFT_TRY(opts.before_weights(plan));
  for (size_t i = 0; i < plan.weights.size(); ++i) {
    const auto& f = plan.weights[i];
    HEFT_TRY(fetch(f, i == 0 && opts.check_weights ? opts.check_weights(f) : PrefixCheck{}));
  }
  if (opts.progress) result.fetched_bytes = opts.progress->fetched.load() - fetched_before;
  RepoRef pinned = ref;
  pinned.revision = plan.info.commit;
  if (!plan.weights.empty()) {
    // A path names that file; a quantization its (first) GGUF.
    if (ref.selector.empty()) pinned.selector.clear();
    result.model_path = HEFT_TRY(resolve_model(cache, pinned));
  } else {
    result.model_path = (fs::path(plan.snapshot_dir) / ref.selector).string();
  }
  return result;
}

}  // namespace heft::store
