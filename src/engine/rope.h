#pragma once
// Rotary position embeddings as ggml-cpu computes them (ggml_rope_ext:
// ggml_rope_cache_init, rope_yarn, rotate_pairs; ggml_rope_yarn_corr_dims in
// ggml.c), float for float: angles by repeated multiplication, YaRN's ramp
// and magnitude, and the fused multiply-adds GCC makes of ggml's expressions
// (ggml-cpu is built with FMA; heft builds in ISO C++ mode, which does not
// contract, so every fused operation here is written out).
#include <cstdint>

namespace heft::engine {

// One ggml_rope_ext call's parameters.
struct RopeParams {
  float base = 10000.0f;         // freq_base
  float freq_scale = 1.0f;       // 1/factor on scaled layers
  float ext_factor = 0.0f;       // YaRN extrapolation mix (0: plain or linear RoPE)
  float attn_factor = 1.0f;      // cos and sin times this
  float beta_fast = 32.0f, beta_slow = 1.0f;
  int32_t n_ctx_orig = 0;        // YaRN's original context
  const float* factors = nullptr;  // (n_rot/2) angle divisors (Llama 3 rope_freqs, LongRoPE), or null
  // The rotation alone, without attn_factor and YaRN's magnitude: a context
  // shift re-rotates keys that already carry the magnitude. (llama.cpp's
  // K-shift passes the layer's attention factor again, so its shifted keys
  // carry the magnitude twice; heft's equal a fresh prefill's.)
  bool unit_magnitude = false;
};

// YaRN's correction range: the dimension pairs below `low` keep their
// unscaled angle, those above `high` are fully scaled, a linear ramp between
// (ggml_rope_yarn_corr_dims).
struct YarnCorrDims {
  float low = 0.0f, high = 0.0f;
};
YarnCorrDims yarn_corr_dims(int n_dims, int n_ctx_orig, float freq_base, float beta_fast, float beta_slow);

// cos/sin table for one position: cache[2i] = cos, cache[2i+1] = sin of pair i < n_rot/2.
void rope_cache(float* cache, int64_t n_rot, float pos, const RopeParams& p);
// Rotates adjacent pairs (x[2i], x[2i+1]) of the first n_rot values of one head (GGUF llama layout).
void rope_apply_normal(float* head, const float* cache, int64_t n_rot);
// Rotates (x[i], x[i + n_rot/2]) pairs (NeoX / HF layout).
void rope_apply_neox(float* head, const float* cache, int64_t n_rot);

}  // namespace heft::engine
