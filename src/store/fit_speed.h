#pragma once
// Expected prompt (pp) and generation (tg) speed on this machine, from
// measurements of the code heft runs: engine::matmul per weight type, the
// attention kernel, the norm, the thread pool's hand-off and a streaming read
// of memory. They are taken once per CPU model, SIMD target, heft version and
// thread count (about half a second per weight type) and cached in
// $XDG_CACHE_HOME/heft/fit-calibration.json (~/.cache/heft/ without it).
//
//   tg  a token reads every matrix once: the sum over them of bytes / their
//       type's decode rate (one token through a matrix larger than the
//       last-level cache: the memory bandwidth or the kernel, whichever
//       binds), plus attention over the cached positions (the kernel's rate,
//       or the bandwidth reading the cache from memory, whichever is slower),
//       plus the pool's hand-offs (two a matrix, about four more a layer) and
//       the norms. Reported as tg128 measures it (positions 0-127) and with
//       the context full.
//   pp  a prompt's tokens go through each matrix together: 2 x rows x cols
//       flops a token at the type's matmul rate on 128-token batches, plus
//       that batch's cost per input element (the activations' conversion),
//       plus causal attention (the kernel's rate per position and head), the
//       norms, RoPE and cache stores, and one output row; for min(512, n_ctx)
//       tokens, as pp512 measures it.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "engine/kv_cache.h"
#include "formats/ggml_types.h"
#include "store/fit.h"
#include "util/error.h"

namespace heft::store {

struct TypeRates {
  double decode_bytes_per_second = 0;  // weight bytes a second, one token, from memory
  // A 128-token batch through a matrix costs a part per row (at this many
  // flops a second: 2 x cols x 128 a row) and a part per input element
  // (token x col: converting the activations, handing off to the pool).
  double prompt_flops_per_second = 0;
  double prompt_input_seconds = 0;
};

// The attention kernel, all threads busy: one (cached position, query head)
// costs position_seconds + dim_seconds x head size.
struct AttentionRates {
  double position_seconds = 0, dim_seconds = 0;
};

struct Calibration {
  std::string cpu, simd, version;
  unsigned threads = 0;
  double bandwidth_bytes_per_second = 0;  // streaming read from memory, all threads
  double dispatch_seconds = 0;            // one ThreadPool hand-off of a matmul on one token
  double vector_seconds = 0;              // one float through a norm, all threads
  // By cache type and summation order: "f16 token", "f16 batch", "f32 token", "f32 batch".
  std::map<std::string, AttentionRates> attention;
  std::map<std::string, TypeRates> types;  // by ggml type name ("Q4_0")
  double seconds_measuring = 0;            // spent measuring in this call (0: all from the cache)
};

// $XDG_CACHE_HOME/heft/fit-calibration.json, else ~/.cache/heft/fit-calibration.json.
std::string calibration_path();

// The rates `estimate_speed` needs for these weight types and cache type on
// `threads` threads (0: all logical cores): those cached for this machine,
// the rest measured and added to the cache. recalibrate: measure all again.
// A cache that cannot be read or written is measured around, not an error.
util::Result<Calibration> calibrate(std::span<const formats::GgmlType> types, engine::CacheType cache_type,
                                    unsigned threads, bool recalibrate);

// The weight types of the matrices a model multiplies.
util::Result<std::vector<formats::GgmlType>> matmul_types(const FitModel& model);

struct SpeedEstimate {
  int64_t pp_tokens = 0;                   // the prompt pp_tokens_per_second is for
  double pp_tokens_per_second = 0;
  double tg_tokens_per_second = 0;         // positions 0-127
  double tg_full_tokens_per_second = 0;    // the context full
};
// Errors: the model cannot be shaped (fit_shape), or cal lacks one of its types.
util::Result<SpeedEstimate> estimate_speed(const FitModel& model, const FitParams& params, const Calibration& cal);

}  // namespace heft::store
