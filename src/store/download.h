#pragma once
// One file from the Hub into the cache's blobs/, verified while it streams:
//   blobs/<etag>.heft-partial        the bytes so far (written at their offsets)
//   blobs/<etag>.heft-partial.json   how far each range got and the running SHA-256
//                                    of the contiguous prefix (saved every few MB)
//   blobs/<etag>                     the file, only once complete and verified (rename)
// A killed or failed download resumes from the ranges' saved offsets with the
// saved hash state: nothing it had is downloaded or hashed again. A partial left
// by huggingface_hub (<etag>.incomplete, written in order) is adopted: its bytes
// are hashed once and the download continues after them. The lock file
// (.locks/models--…/<etag>.lock, flock, as huggingface_hub's filelock) makes a
// second process wait and then use the first one's blob.
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "store/hub_api.h"
#include "util/error.h"

namespace heft::store {

// Shared with a progress display (another thread reads it).
struct TransferProgress {
  std::atomic<uint64_t> total{0};  // bytes of every file of the pull
  std::atomic<uint64_t> done{0};   // of those, in the store or downloaded
  std::atomic<uint64_t> fetched{0};  // bytes received over the network in this run
};

struct DownloadTarget {
  std::string url;           // the resolve URL
  std::string token;         // sent to the Hub; curl drops it when a redirect leaves the host
  std::string blob_path;     // final path
  std::string lock_path;
  std::string display;       // the path in the repository, for messages
  uint64_t size = 0;
  std::string sha256;        // LFS files: verified incrementally
  std::string git_oid;       // other files: verified at the end (they are small)
  const std::string& etag() const { return sha256.empty() ? git_oid : sha256; }
};

// Runs on the file's first bytes before the rest is fetched: returns 0 when the
// file may be downloaded, a larger byte count when it needs that many to decide,
// or an error that stops the download (the partial stays for a later --force).
using PrefixCheck = std::function<util::Result<uint64_t>(std::span<const uint8_t> prefix)>;

struct DownloadOptions {
  int connections = 4;                  // parallel ranges for a large file
  RetryPolicy retry;
  TransferProgress* progress = nullptr;
  const std::atomic<bool>* cancel = nullptr;  // set from a signal handler: stop, keep the partial
  uint64_t check_bytes = 2 << 20;       // how much PrefixCheck first sees (it may ask for more)
  PrefixCheck check;                    // may be empty
  std::function<void(const std::string&)> notice;  // one-line notices (waiting for a lock, resuming)
};

// Downloads (or finds) target.blob_path. The error of a failed download says
// what was kept for the next run; a digest mismatch deletes the partial.
util::Result<void> download_blob(const DownloadTarget& target, const DownloadOptions& opts);

// The minimum range size; files smaller than two of these go in one range.
inline constexpr uint64_t kMinRangeBytes = 1 << 20;

}  // namespace heft::store
