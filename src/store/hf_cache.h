#pragma once
// The Hugging Face cache on disk (huggingface_hub's layout, shared with
// transformers and llama.cpp's -hf):
//   $HF_HUB_CACHE/models--ORG--NAME/refs/<branch>          the commit a branch points at
//   $HF_HUB_CACHE/models--ORG--NAME/snapshots/<commit>/... the repository's files (links)
//   $HF_HUB_CACHE/models--ORG--NAME/blobs/<etag>           their contents
// and MODEL arguments that name a repository in it: ORG/NAME[@REVISION][:QUANT or :path/in/repo].
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace heft::store {

struct RepoRef {
  std::string repo;      // "org/name"
  std::string revision;  // a branch, tag or commit; "main" when not given
  std::string selector;  // a quantization name (Q4_K_M) or a path in the repository; may be empty
};

// Parses ORG/NAME[@REVISION][:SELECTOR]; nullopt when the text does not have that shape.
std::optional<RepoRef> parse_repo_ref(std::string_view text);

// Whether a GGUF file's name carries this quantization name (Q4_K_M) as a whole word.
bool names_quant(const std::string& file, const std::string& quant);
// The part number of a split GGUF ("x-00002-of-00003.gguf" → 2); 0 when not split.
int split_part(const std::string& file);

// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::string hub_cache_dir();

// "org/name" → "models--org--name".
std::string repo_folder(std::string_view repo);

// The commit a revision names in the cache: refs/<revision>, or the revision itself
// when it is a commit with a snapshot.
util::Result<std::string> resolve_revision(const std::string& cache, const RepoRef& ref);

// Files of a snapshot, relative paths, sorted.
std::vector<std::string> snapshot_files(const std::string& snapshot_dir);

// What a MODEL argument of this shape opens: the GGUF file (the first part of a
// split one) for a quantization or a path, or the snapshot folder for a
// safetensors repository. Errors say what the store holds instead.
util::Result<std::string> resolve_model(const std::string& cache, const RepoRef& ref);

// One repository in the cache, for `heft list`.
struct CachedRepo {
  std::string repo;                                        // "org/name"
  std::vector<std::pair<std::string, std::string>> refs;   // branch or tag → commit, sorted
  std::string commit;                                      // main's, else the only or newest snapshot's
  std::vector<std::string> files;                          // that snapshot's files
  uint64_t size_bytes = 0;                                 // every blob of the repository
  std::string license;                                     // the model card's `license:`, or ""
};
// Every model repository in the cache, by name; a missing cache is an empty list.
std::vector<CachedRepo> list_cache(const std::string& cache);

// Removes a repository from the cache — all of it, or with a revision only that
// snapshot, the refs that point at it and the blobs nothing else links to.
// Returns the bytes freed.
util::Result<uint64_t> remove_from_cache(const std::string& cache, const RepoRef& ref, bool whole_repo);

// A MODEL argument as given: an existing path is itself; ollama:NAME[:TAG] is a
// verified blob of the Ollama store (store/ollama.h); ORG/NAME[...] is looked
// up in the cache; anything else is returned for the caller to report.
util::Result<std::string> resolve_model_argument(const std::string& arg);

}  // namespace heft::store
