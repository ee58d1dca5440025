#pragma once
// The Hugging Face Hub's HTTP API as huggingface_hub uses it:
//   GET {endpoint}/api/models/{repo}/revision/{rev}          the commit a revision names, gating
//   GET {endpoint}/api/models/{repo}/tree/{commit}?recursive=true   files: size, git oid, LFS sha256
//       (paginated with Link: <…>; rel="next")
//   GET {endpoint}/{repo}/resolve/{commit}/{path}            the file (LFS ones redirect to a CDN)
// HF_ENDPOINT, HF_TOKEN (or a token file) and HF_HUB_OFFLINE as huggingface_hub reads them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/http_client.h"
#include "util/error.h"

namespace heft::store {

struct HubConfig {
  std::string endpoint;  // no trailing slash
  std::string token;     // may be empty
  bool offline = false;
};

// From the environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN,
// else the token file (`token_file` when given, else $HF_TOKEN_PATH, else
// $HF_HOME/token, else ~/.cache/huggingface/token), HF_HUB_OFFLINE=1|true|yes.
// A named token file that cannot be read is an error.
util::Result<HubConfig> hub_config(const std::string& token_file = {});

struct RepoFile {
  std::string path;                   // relative, '/'-separated, validated
  uint64_t size = 0;
  std::string git_oid;                // 40 hex: git's blob id
  std::optional<std::string> sha256;  // 64 hex: LFS files' content hash
  // What names the blob in the cache: the LFS sha256, else the git oid (huggingface_hub's etag).
  const std::string& etag() const { return sha256 ? *sha256 : git_oid; }
};

struct RepoInfo {
  std::string repo;
  std::string revision;        // as asked
  std::string commit;          // 40 hex
  std::string gated;           // "", "auto" or "manual"
  std::vector<RepoFile> files;  // sorted by path
};

// Retries for 429, 5xx and transport failures: exponential backoff from
// `base_delay_s` (doubling, at most 30 s), or the server's Retry-After when it gives one.
struct RetryPolicy {
  int attempts = 6;
  double base_delay_s = 1.0;
};
double retry_delay(const RetryPolicy& p, int attempt, const HttpResponse* resp);
bool retryable_status(long status);

// The revision's commit and its files. Errors say whether the repository does
// not exist (or is private), is gated (with where to accept its terms), or lacks the revision.
util::Result<RepoInfo> fetch_repo_info(const HubConfig& hub, const std::string& repo, const std::string& revision,
                                       const RetryPolicy& retry = {});

// One page of the tree listing (a JSON array of files and directories) appended
// to `files`: paths validated, sizes and ids checked.
util::Result<void> parse_tree_page(std::string_view body, const std::string& where, std::vector<RepoFile>& files);

// {endpoint}/{repo}/resolve/{commit}/{path}
std::string resolve_url(const HubConfig& hub, const std::string& repo, const std::string& commit, const std::string& path);

// A repository path safe to create under a snapshot folder: relative, no '.', '..' or
// empty segments, no backslash or control characters.
bool safe_repo_path(std::string_view path);

// The error for a failed Hub response (status, X-Error-Code, the body's "error").
util::Error hub_error(const HttpResponse& resp, const std::string& what, const HubConfig& hub, const std::string& repo);

}  // namespace heft::store
