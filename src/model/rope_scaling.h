#pragma once
// RoPE scaling as llama.cpp (3f545be) resolves it from GGUF metadata, in one
// place so the forward pass, the context shift and `heft inspect` agree:
// llama-model.cpp turns rope.scaling.factor into a frequency scale for every
// scaling type but none; llama-context.cpp derives YaRN's extrapolation mix
// and magnitude from it. The per-dimension YaRN arithmetic (correction range,
// ramp) is ggml's and lives with the rest of RoPE in engine/rope.h.
#include <cstdint>
#include <string_view>

namespace heft::model {

enum class RopeScaling { None, Linear, Yarn, LongRope };
std::string_view rope_scaling_name(RopeScaling s);

struct RopeScalingParams {
  float freq_scale = 1.0f;   // positions times this: 1/rope.scaling.factor (global layers)
  float ext_factor = 0.0f;   // YaRN: the share of each dimension's unscaled angle mixed back in (0: off)
  float attn_factor = 1.0f;  // cos and sin times this (ggml then adds YaRN's own 1 + 0.1 ln factor)
  float beta_fast = 32.0f;   // YaRN correction range, in rotations over the original context
  float beta_slow = 1.0f;
  uint32_t n_ctx_orig = 0;   // the context length before scaling
};

// `factor` is the stored rope.scaling.factor (0 when absent, as llama.cpp reads
// it); `attn_factor` is rope.scaling.attn_factor (LongRoPE's magnitude).
// beta_fast/beta_slow stay at llama.cpp's defaults: it reads the
// rope.scaling.yarn_* keys only for architectures heft does not run.
RopeScalingParams resolve_rope_scaling(RopeScaling type, float factor, float attn_factor, uint32_t n_ctx_orig);

// What ggml's YaRN multiplies cos and sin by in the end: attn_factor times
// 1 + 0.1 ln(1/freq_scale) when YaRN is on (for display; ggml rounds the same way).
float rope_magnitude(const RopeScalingParams& p);

}  // namespace heft::model
