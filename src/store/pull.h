#pragma once
// `heft pull`: the files a MODEL argument names, from the Hub into the Hugging
// Face cache — verified, resumable, never visible half-written. The order is
// chosen so that a pull that will be refused stops early: first the small files
// (model card, licence, config, tokenizer), then the caller's licence and
// support checks, then the weights, each large one after a check of its first bytes.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "store/download.h"
#include "store/hf_cache.h"
#include "store/hub_api.h"
#include "util/error.h"

namespace heft::store {

struct PullPlan {
  RepoInfo info;
  std::vector<RepoFile> small;    // card, licences, configs, tokenizer: fetched first
  std::vector<RepoFile> weights;  // GGUF parts or safetensors shards
  std::string snapshot_dir;
  uint64_t bytes() const;
};

// Which files of a repository a selector asks for: a path; a quantization's GGUF
// (all parts of a split one); or, with none, the safetensors (else .bin) set with
// its configs and tokenizer. Card and licence files always come along.
util::Result<PullPlan> plan_pull(RepoInfo info, const std::string& selector, const std::string& cache);

struct PullOptions {
  int connections = 4;
  RetryPolicy retry;
  TransferProgress* progress = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const std::string&)> notice;
  // Runs once the small files are in the snapshot; an error stops the pull
  // before any weights are fetched (licence acceptance, unsupported config).
  std::function<util::Result<void>(const PullPlan&)> before_weights;
  // For the first weight file (a GGUF's first part, the first safetensors shard):
  // a check of its first bytes; empty: none.
  std::function<PrefixCheck(const RepoFile&)> check_weights;
};

struct PullResult {
  PullPlan plan;
  std::string model_path;  // what the MODEL argument opens (resolve_model)
  uint64_t fetched_bytes = 0;
};

util::Result<PullResult> pull(const HubConfig& hub, const RepoRef& ref, const PullOptions& opts);

// Offline (HF_HUB_OFFLINE): the model from the store only.
util::Result<std::string> pull_offline(const RepoRef& ref);

// Links snapshots/<commit>/<path> to blobs/<etag> (relative, as huggingface_hub does).
util::Result<void> link_snapshot_file(const std::string& repo_dir, const std::string& commit, const RepoFile& f);

}  // namespace heft::store
