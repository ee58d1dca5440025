#pragma once
// Float kernels that follow ggml's exact order (kernels/ggml_order.h) with a
// SIMD version per target, bit-identical to the scalar one: SwiGLU here, the
// attention head in kernels/attention.h.
#include <cstdint>

#include "kernels/attention.h"
#include "kernels/simd.h"

namespace heft::kernels {

// ggml_vec_swiglu_f32 in place: gate = silu(gate) * up over n values; whole
// groups of 16 use ggml_v_silu (ggml_order::silu), the rest x / (1 + exp(-x)).
void swiglu(float* gate, const float* up, int64_t n, SimdTarget target = simd_target());

namespace detail {
struct FloatOps {
  void (*attention_head)(const AttentionArgs& a, float* out, float* scratch) = nullptr;
  void (*swiglu16)(float* gate, const float* up, int64_t n16) = nullptr;  // n16: a multiple of 16
};
FloatOps float_ops_x86(SimdTarget target);  // null members: no SIMD version
FloatOps float_ops_arm(SimdTarget target);  // arm/float_ops_neon.cpp
// The SIMD versions for `target` (x86 or ARM), null members where there are none.
FloatOps float_ops(SimdTarget target);
}  // namespace detail

}  // namespace heft::kernels
