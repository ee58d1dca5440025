#include "store/hf_cache.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "store/ollama.h"

namespace heft::store {
namespace fs = std::filesystem;

namespace {

// Hugging Face repository names: letters, digits, '-', '_', '.'; no leading '.' or '-'.
bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 96 || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; });
}

// A branch, tag or commit as git allows them here: '/'-separated parts of
// letters, digits, '-', '_', '.', none empty, "." or ".." (it becomes a path under refs/).
bool valid_revision(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find('/', start), s.size());
    const auto part = s.substr(start, end - start);
    if (part.empty() || part == "." || part == ".." ||
        !std::all_of(part.begin(), part.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }))
      return false;
    start = end + 1;
  }
  return true;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_commit(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// "model-00001-of-00003.gguf": a part of a split GGUF (llama.cpp's gguf-split naming).
const std::regex kSplit(R"(-(\d{5})-of-(\d{5})\.gguf$)", std::regex::icase);

// The quantization names the GGUF files of a snapshot carry, for error messages.
std::string list_ggufs(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files)
    if (lower(f).ends_with(".gguf")) out.append(out.empty() ? "" : ", ").append(f);
  return out.empty() ? "no GGUF files" : out;
}

}  // namespace

bool names_quant(const std::string& file, const std::string& quant) {
  const std::string name = lower(fs::path(file).filename().string());
  const std::string q = lower(quant);
  // '_' belongs to quantization names: Q4_K is not a word of "x-Q4_K_M.gguf".
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = name.find(q); at != std::string::npos; at = name.find(q, at + 1)) {
    const bool left = at == 0 || !word(name[at - 1]);
    const size_t end = at + q.size();
    const bool right = end == name.size() || !word(name[end]);
    if (left && right) return true;
  }
  return false;
}

int split_part(const std::string& file) {
  std::smatch m;
  return std::regex_search(file, m, kSplit) ? std::stoi(m[1]) : 0;
}

std::optional<RepoRef> parse_repo_ref(std::string_view text) {
  RepoRef r;
  std::string_view rest = text;
  if (const size_t colon = rest.find(':'); colon != std::string_view::npos) {
    r.selector = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (r.selector.empty()) return std::nullopt;
  }
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    r.revision = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!valid_revision(r.revision)) return std::nullopt;
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
  if (!valid_name(rest.substr(0, slash)) || !valid_name(rest.substr(slash + 1))) return std::nullopt;
  r.repo = std::string(rest);
  if (r.revision.empty()) r.revision = "main";
  return r;
}

std::string hub_cache_dir() {
  if (auto c = env("HF_HUB_CACHE"); !c.empty()) return c;
  if (auto h = env("HF_HOME"); !h.empty()) return h + "/hub";
  if (auto x = env("XDG_CACHE_HOME"); !x.empty()) return x + "/huggingface/hub";
  return env("HOME") + "/.cache/huggingface/hub";
}

std::string repo_folder(std::string_view repo) {
  std::string out = "models--";
  for (char c : repo) {
    if (c == '/') out += "--";
    else out.push_back(c);
  }
  return out;
}

util::Result<std::string> resolve_revision(const std::string& cache, const RepoRef& ref) {
  const fs::path repo_dir = fs::path(cache) / repo_folder(ref.repo);
  std::error_code ec;
  if (!fs::is_directory(repo_dir, ec))
    return util::fail(ref.repo + " is not in the Hugging Face cache at " + cache);
  if (is_commit(ref.revision) && fs::is_directory(repo_dir / "snapshots" / ref.revision, ec)) return ref.revision;
  // Branch names may hold '/' (refs/pr/1); never let one climb out of refs/.
  if (ref.revision.find("..") != std::string::npos) return util::fail("invalid revision '" + ref.revision + "'");
  std::ifstream in(repo_dir / "refs" / ref.revision);
  std::string commit;
  if (!in || !std::getline(in, commit))
    return util::fail(ref.repo + "@" + ref.revision + " is not in the Hugging Face cache at " + cache +
                      " (no refs/" + ref.revision + ")");
  while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back()))) commit.pop_back();
  if (!is_commit(commit)) return util::fail("refs/" + ref.revision + " of " + ref.repo + " does not hold a commit");
  if (!fs::is_directory(repo_dir / "snapshots" / commit, ec))
    return util::fail(ref.repo + "@" + ref.revision + " points at " + commit + ", whose snapshot is not in the cache");
  return commit;
}

std::vector<std::string> snapshot_files(const std::string& snapshot_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(snapshot_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    out.push_back(it->path().lexically_relative(snapshot_dir).generic_string());  // not relative(): it follows the links
  }
  std::sort(out.begin(), out.end());
  return out;
}

util::Result<std::string> resolve_model(const std::string& cache, const RepoRef& ref) {
  const std::string commit = HEFT_TRY(resolve_revision(cache, ref));
  const fs::path snap = fs::path(cache) / repo_folder(ref.repo) / "snapshots" / commit;
  const auto files = snapshot_files(snap.string());
  const std::string where = ref.repo + "@" + commit.substr(0, 12);
  std::error_code ec;
  if (!ref.selector.empty()) {
    // A path in the repository.
    if (ref.selector.find("..") == std::string::npos && fs::is_regular_file(snap / ref.selector, ec))
      return (snap / ref.selector).string();
    // A quantization: the GGUF files that name it; a split one opens at its first part.
    std::vector<std::string> hits;
    for (const auto& f : files)
      if (lower(f).ends_with(".gguf") && names_quant(f, ref.selector)) hits.push_back(f);
    std::smatch m;
    std::vector<std::string> firsts;
    for (const auto& f : hits)
      if (!std::regex_search(f, m, kSplit) || m[1] == "00001") firsts.push_back(f);
    if (firsts.size() == 1) return (snap / firsts[0]).string();
    if (firsts.empty())
      return util::fail(where + " has no file '" + ref.selector + "' and no GGUF named for it (" + list_ggufs(files) + ")");
    std::string names;
    for (const auto& f : firsts) names.append(names.empty() ? "" : ", ").append(f);
    return util::fail(where + " has several GGUF files for '" + ref.selector + "': " + names + "; name one as :path");
  }
  std::vector<std::string> ggufs;
  std::smatch m;
  for (const auto& f : files)
    if (lower(f).ends_with(".gguf") && (!std::regex_search(f, m, kSplit) || m[1] == "00001")) ggufs.push_back(f);
  const bool has_config = std::find(files.begin(), files.end(), "config.json") != files.end();
  const bool has_safetensors = std::any_of(files.begin(), files.end(), [](const std::string& f) { return lower(f).ends_with(".safetensors"); });
  if (has_config && has_safetensors) return snap.string();
  if (ggufs.size() == 1) return (snap / ggufs[0]).string();
  if (ggufs.empty()) return util::fail(where + " holds neither a GGUF file nor config.json with safetensors weights");
  return util::fail(where + " holds several GGUF files (" + list_ggufs(files) + "); name one as " + ref.repo + ":QUANT");
}

namespace {

// The `license:` of a model card's YAML front matter ("---" lines around it).
std::string card_license(const fs::path& readme) {
  std::ifstream in(readme);
  std::string line;
  if (!std::getline(in, line) || line.rfind("---", 0) != 0) return {};
  for (int n = 0; n < 200 && std::getline(in, line); ++n) {
    if (line.rfind("---", 0) == 0) break;
    if (line.rfind("license:", 0) != 0) continue;
    std::string v = line.substr(8);
    const size_t a = v.find_first_not_of(" \t\"'"), b = v.find_last_not_of(" \t\"'\r");
    return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
  }
  return {};
}

}  // namespace

std::vector<CachedRepo> list_cache(const std::string& cache) {
  std::vector<CachedRepo> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(cache, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string dir = it->path().filename().string();
    if (!dir.starts_with("models--") || !it->is_directory(ec)) continue;
    const size_t sep = dir.find("--", 8);
    if (sep == std::string::npos) continue;
    CachedRepo r;
    r.repo = dir.substr(8, sep - 8) + "/" + dir.substr(sep + 2);
    const fs::path refs = it->path() / "refs";
    for (auto ref = fs::recursive_directory_iterator(refs, ec); !ec && ref != fs::recursive_directory_iterator();
         ref.increment(ec)) {
      if (!ref->is_regular_file(ec)) continue;
      std::ifstream in(ref->path());
      std::string commit;
      std::getline(in, commit);
      if (is_commit(commit)) r.refs.emplace_back(ref->path().lexically_relative(refs).generic_string(), commit);
    }
    ec.clear();
    std::sort(r.refs.begin(), r.refs.end());
    for (const auto& [name, commit] : r.refs)
      if (name == "main") r.commit = commit;
    if (r.commit.empty()) {  // no main: the newest snapshot
      fs::file_time_type newest{};
      for (auto snap = fs::directory_iterator(it->path() / "snapshots", ec); !ec && snap != fs::directory_iterator();
           snap.increment(ec))
        if (auto t = snap->last_write_time(ec); !ec && (r.commit.empty() || t > newest)) newest = t, r.commit = snap->path().filename().string();
      ec.clear();
    }
    if (!r.commit.empty()) {
      const fs::path snap = it->path() / "snapshots" / r.commit;
      r.files = snapshot_files(snap.string());
      r.license = card_license(snap / "README.md");
    }
    for (auto blob = fs::directory_iterator(it->path() / "blobs", ec); !ec && blob != fs::directory_iterator();
         blob.increment(ec))
      if (blob->is_regular_file(ec)) r.size_bytes += blob->file_size(ec);
    ec.clear();
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const CachedRepo& a, const CachedRepo& b) { return a.repo < b.repo; });
  return out;
}

util::Result<uint64_t> remove_from_cache(const std::string& cache, const RepoRef& ref, bool whole_repo) {
  const fs::path repo_dir = fs::path(cache) / repo_folder(ref.repo);
  std::error_code ec;
  if (!fs::is_directory(repo_dir, ec)) return util::fail(ref.repo + " is not in the Hugging Face cache at " + cache);
  auto size_of = [&](const fs::path& dir) {
    uint64_t n = 0;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec) && !it->is_symlink(ec)) n += it->file_size(ec);
    ec.clear();
    return n;
  };
  if (whole_repo) {
    const uint64_t n = size_of(repo_dir);
    fs::remove_all(repo_dir, ec);
    if (ec) return util::fail("could not remove " + repo_dir.string() + ": " + ec.message());
    return n;
  }
  const std::string commit = HEFT_TRY(resolve_revision(cache, ref));
  // Drop the refs that point at the snapshot, then the snapshot, then unlinked blobs.
  const fs::path refs = repo_dir / "refs";
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(refs, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::ifstream in(it->path());
    std::string c;
    std::getline(in, c);
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back()))) c.pop_back();
    if (c == commit) stale.push_back(it->path());
  }
  ec.clear();
  for (const auto& p : stale) fs::remove(p, ec);
  fs::remove_all(repo_dir / "snapshots" / commit, ec);
  if (ec) return util::fail("could not remove the snapshot " + commit + ": " + ec.message());
  std::vector<std::string> linked;
  for (auto it = fs::recursive_directory_iterator(repo_dir / "snapshots", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_symlink(ec)) linked.push_back(fs::read_symlink(it->path(), ec).filename().string());
  ec.clear();
  uint64_t freed = 0;
  for (auto it = fs::directory_iterator(repo_dir / "blobs", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (std::find(linked.begin(), linked.end(), name) != linked.end()) continue;
    freed += it->file_size(ec);
    fs::remove(it->path(), ec);
  }
  return freed;
}

util::Result<std::string> resolve_model_argument(const std::string& arg) {
  std::error_code ec;
  if (arg.empty() || fs::exists(arg, ec)) return arg;
  if (auto blob = resolve_ollama_argument(arg)) return std::move(*blob);  // ollama:NAME[:TAG]
  auto ref = parse_repo_ref(arg);
  if (!ref) return arg;
  return resolve_model(hub_cache_dir(), *ref);
}

}  // namespace heft::store
