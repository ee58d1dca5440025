#pragma once
// Element-wise and per-row operations of the forward pass, written to follow
// ggml's arithmetic (accumulation types and order) where it changes results:
// RMSNorm sums squares in double, softmax sums exponentials in double, RoPE
// builds its angles by repeated multiplication in float.
#include <cstdint>

namespace heft::engine {

// y = x / sqrt(mean(x^2) + eps) * w   (n elements; w may be null)
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);
// y = (x - mean) / sqrt(var + eps) * w + b
void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, float eps);

// cos/sin table for one position: cache[2i] = cos, cache[2i+1] = sin for i < n_rot/2,
// both times mscale. freq_factors (n_rot/2, may be null) divide the angles
// (Llama 3 / LongRoPE scaling).
void rope_cache(float* cache, int64_t n_rot, float pos, float freq_base, float freq_scale, const float* freq_factors,
                float mscale = 1.0f);
// Rotates adjacent pairs (x[2i], x[2i+1]) of the first n_rot values of one head (GGUF llama layout).
void rope_apply_normal(float* head, const float* cache, int64_t n_rot);
// Rotates (x[i], x[i + n_rot/2]) pairs (NeoX / HF layout).
void rope_apply_neox(float* head, const float* cache, int64_t n_rot);

// In place: x = softmax(x) over n values.
void softmax(float* x, int64_t n);

float silu(float x);

// ggml_vec_swiglu_f32: gate = silu(gate) * up, ggml_v_silu 16 at a time.
void swiglu_ggml(float* gate, const float* up, int64_t n);
float gelu_tanh(float x);

}  // namespace heft::engine
