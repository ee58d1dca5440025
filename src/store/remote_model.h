#pragma once
// A repository's GGUF files seen from the Hub without downloading them: grouped
// into quantizations (a split file's parts together) and read up to the end of
// their header with Range requests, for `heft fit` and `heft show` on a model
// not yet pulled.
#include <cstdint>
#include <string>
#include <vector>

#include "formats/gguf_reader.h"
#include "store/fit.h"
#include "store/hf_cache.h"
#include "store/hub_api.h"
#include "util/error.h"

namespace heft::store {

struct GgufGroup {
  std::string label;               // the quantization its name carries ("Q4_K_M"), else its path
  std::vector<const RepoFile*> parts;  // in order; one unless split
  uint64_t bytes = 0;              // all parts
};

// The GGUF files of a listing as quantizations, smallest first. Pointers into `info`.
std::vector<GgufGroup> gguf_groups(const RepoInfo& info);

// The quantization name a GGUF file's name carries (Q4_K_M, IQ4_XS, F16, BF16, MXFP4…), or "".
std::string quant_label(const std::string& path);

// The header of a GGUF on the Hub: its first 2 MiB, more as the header needs (at most 256 MiB).
util::Result<formats::GgufHeader> fetch_gguf_header(const HubConfig& hub, const RepoInfo& info, const RepoFile& f,
                                                    const RetryPolicy& retry = {});

// A small file's bytes (a model card), verified against its git id; at most `limit` bytes.
util::Result<std::string> fetch_small_file(const HubConfig& hub, const RepoInfo& info, const RepoFile& f,
                                           uint64_t limit = 4 << 20, const RetryPolicy& retry = {});

// What `heft fit` sees of a repository not pulled: the GGUF quantizations the
// selector names (a quantization or a path; every one without a selector), each
// read to the end of its first part's header, its size that of all its parts.
util::Result<std::vector<FitModel>> remote_fit_models(const HubConfig& hub, const RepoRef& ref);

}  // namespace heft::store
