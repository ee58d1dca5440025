#pragma once
// Will a model run on this machine? Peak resident memory predicted from the
// model's header alone (metadata and tensor table; no weight is read), so it
// works for a file on disk and for one not yet downloaded (a GGUF's first
// megabytes through formats::parse_gguf_header), as heft's engine will
// allocate it for `heft run` (one sequence) or `heft serve` (parallel > 1):
//
//   weights    the file(s) as mapped: every page of them (decode reads every
//              matrix each token; the token-embedding table of an untied model
//              is read one row per distinct token, so a short run may stay up
//              to its size below this), plus what loading copies: vectors not
//              stored as F32 become F32, and a Hugging Face checkpoint's
//              re-laid-out Q/K rows;
//   kv         layers x cache rows x (K + V width) x 2 bytes (F16) or 4 (F32),
//              cache rows being the context in blocks of 16 (times parallel
//              for a server); pages count once written, so this is reached
//              when the context is full;
//   scratch    engine::Context::scratch_sizes (the same function the engine
//              sizes its buffers with), the logits of the rows that ask for
//              them, the samplers' per-token arrays;
//   tokenizer  the metadata copy and the tokenizer's tables, measured by
//              building them in this process;
//   baseline   the process: code, libraries, stacks (FitParams::process_bytes).
//
// Speed is in store/fit_speed.h.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/kv_cache.h"
#include "formats/gguf_reader.h"
#include "formats/model_file.h"
#include "util/error.h"

namespace heft::store {

// How the model will run; the defaults are `heft run`'s (heft serve's
// --parallel is 8, its --batch-tokens 512).
struct FitParams {
  int64_t n_ctx = 0;           // 0: the model's training context, at most 4096 (engine::Context::default_n_ctx)
  int64_t parallel = 1;        // sequences at once; > 1: heft serve's pool of n_ctx x parallel cache rows
  engine::CacheType cache_type = engine::CacheType::F16;
  int64_t n_batch = 512;       // prompt tokens per pass (-b)
  int64_t batch_tokens = 512;  // heft serve's rows per pass (--batch-tokens; used when parallel > 1)
  unsigned threads = 0;        // 0: all logical cores
  // The process before it loads anything (code, libraries); heft fit passes its
  // own resident size at start (process_resident_bytes()); 0: kDefaultProcessBytes.
  uint64_t process_bytes = 0;
};

// A heft binary's resident size before it loads a model, on x86-64 Linux (a fallback).
inline constexpr uint64_t kDefaultProcessBytes = 6u << 20;
// What generating adds to the process itself beyond the buffers counted
// (code of the kernels and the generation path, thread stacks, allocator
// arenas); measured with heft run on the synthetic 135M and 1.1B shapes.
inline constexpr uint64_t kGenerationBytes = 2u << 20;

// A model as fit sees it: GGUF-named metadata and tensor table (tensor data
// may be absent) and what loading it maps and copies.
struct FitModel {
  std::string name;              // file, folder or candidate name, for messages
  formats::ModelFile file;       // GGUF names (a Hugging Face checkpoint's mapped)
  uint64_t mapped_bytes = 0;     // the file(s) heft maps
  uint64_t copied_bytes = 0;     // weights materialized in memory at load
  uint64_t tokenizer_bytes = 0;  // metadata copy + tokenizer tables (measured)
};

// From a GGUF header read from the file's first bytes (complete()). Builds the
// tokenizer once to measure it.
util::Result<FitModel> fit_model(formats::GgufHeader&& header, const std::string& name);
// From a model on disk: a GGUF (its header only), a Hugging Face folder or
// safetensors file, a llama2.c checkpoint.
util::Result<FitModel> fit_model(const std::string& path);

struct MemoryEstimate {
  uint64_t weights_bytes = 0;
  uint64_t kv_bytes = 0;
  uint64_t scratch_bytes = 0;
  uint64_t tokenizer_bytes = 0;
  uint64_t baseline_bytes = 0;   // the process and what generating adds to it
  int64_t n_ctx = 0;             // the context this is for (FitParams::n_ctx resolved)
  int64_t kv_rows = 0;           // cache rows (tokens) over all sequences
  unsigned threads = 0;
  uint64_t total() const { return weights_bytes + kv_bytes + scratch_bytes + tokenizer_bytes + baseline_bytes; }
};

// Errors: an architecture heft cannot run, a tensor it cannot compute with,
// or hyper-parameters it would refuse at load.
util::Result<MemoryEstimate> estimate_memory(const FitModel& model, const FitParams& params);

// Memory this process may still use: /proc/meminfo's MemAvailable, or less
// when a cgroup's limit leaves less (v2: memory.max less memory.current; v1:
// memory.limit_in_bytes less memory.usage_in_bytes; this cgroup or an
// ancestor: a container's limit).
uint64_t available_memory();
// This process's resident size now (VmRSS).
uint64_t process_resident_bytes();

// Several quantizations of one model (each a FitModel: a GGUF header and its
// file size, or a local file) -> the best that fits: the one with the largest
// weights (the most bits per weight, the least quantization loss) whose
// predicted total stays within available x (1 - headroom). `heft fit` on a
// repository with several GGUFs, `heft show` and a remote fit call this.
struct QuantChoice {
  std::vector<util::Result<MemoryEstimate>> estimates;  // one per candidate, in order
  std::optional<size_t> best;                           // none fits: nullopt
};
QuantChoice choose_quant(std::span<const FitModel> candidates, const FitParams& params, uint64_t available,
                         double headroom = 0.10);

}  // namespace heft::store
