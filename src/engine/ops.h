#pragma once
// Element-wise and per-row operations of the forward pass, written to follow
// ggml's arithmetic (accumulation types and order) where it changes results:
// RMSNorm sums squares in double, softmax sums exponentials in double.
// RoPE is in engine/rope.h.
#include <cstdint>

namespace heft::engine {

// y = x / sqrt(mean(x^2) + eps) * w   (n elements; w may be null)
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);
// y = (x - mean) / sqrt(var + eps) * w + b
void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, float eps);

// In place: x = softmax(x) over n values.
void softmax(float* x, int64_t n);

float silu(float x);

// ggml_vec_swiglu_f32: gate = silu(gate) * up, ggml_v_silu 16 at a time.
void swiglu_ggml(float* gate, const float* up, int64_t n);
float gelu_tanh(float x);

}  // namespace heft::engine
