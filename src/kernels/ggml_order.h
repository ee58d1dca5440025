#pragma once
// Float arithmetic in the exact order of ggml's x86 AVX-512 CPU build, the
// build that made llama.cpp's reference outputs. Quantized activations (Q8_0)
// turn a last-bit difference upstream into a different integer, so matching
// llama.cpp token for token needs the same sums in the same order, not just
// the same math. These scalar functions reproduce ggml's lane structure
// (16-wide accumulators, its horizontal-sum shuffles, fused multiply-adds);
// SIMD kernels that keep the same lanes give identical results.
#include <cstdint>

namespace heft::kernels::ggml_order {

// _mm512_reduce_add_ps as GCC expands it: halves, quarters, then pairs.
float reduce_add16(const float lanes[16]);
// hsum_float_8 / tinyBLAS hsum(__m256).
float hsum8(const float lanes[8]);

// ggml_vec_dot_f32 (one token, 4 x 16 accumulators, float leftovers).
float dot_f32(const float* x, const float* y, int64_t n);
// tinyBLAS<16> F32 (prompt batches): one 16-lane accumulator; needs n % 16 == 0.
float dot_f32_batch(const float* x, const float* y, int64_t n);
// ggml_vec_dot_f16 (one token; half inputs widened, double leftovers).
float dot_f16(const uint16_t* x, const uint16_t* y, int64_t n);
// The leftovers of dot_f32 / dot_f16 past np (the last multiple of 64), added to
// the blocked64 sum of the first np: for SIMD kernels that compute that part.
float dot_f32_tail(const float* x, const float* y, int64_t np, int64_t n, float blocked);
float dot_f16_tail(const uint16_t* x, const uint16_t* y, int64_t np, int64_t n, float blocked);
// tinyBLAS<16> F16 (prompt batches); needs n % 16 == 0.
float dot_f16_batch(const uint16_t* x, const uint16_t* y, int64_t n);

// BF16 rows in heft's own order: 16 float lanes of fused multiply-adds over
// whole groups of 16, reduce_add16, then the rest fused in order. (ggml's
// AVX512-BF16 kernel uses vdpbf16ps, whose internal rounding is not mirrored.)
float dot_bf16(const uint16_t* x, const uint16_t* y, int64_t n);

// ggml_v_expf (AVX-512 variant) for one value, and ggml_v_silu built on it.
float expf(float x);
float silu(float x);

}  // namespace heft::kernels::ggml_order
