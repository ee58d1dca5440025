#pragma once
// Per-type row functions behind the dispatch table in quant.cpp. Engine code
// calls kernels/quant.h; optimized kernels and their tests may call these
// directly. n is always a count of elements, a multiple of the block size.
#include <cstddef>
#include <cstdint>

namespace heft::kernels {

// ---- dequantization (ggml's dequantize_row_*, same float operations) ----
void dequantize_row_f32(const void* src, float* dst, int64_t n);
void dequantize_row_f16(const void* src, float* dst, int64_t n);
void dequantize_row_bf16(const void* src, float* dst, int64_t n);
void dequantize_row_q4_0(const void* src, float* dst, int64_t n);
void dequantize_row_q4_1(const void* src, float* dst, int64_t n);
void dequantize_row_q5_0(const void* src, float* dst, int64_t n);
void dequantize_row_q5_1(const void* src, float* dst, int64_t n);
void dequantize_row_q8_0(const void* src, float* dst, int64_t n);
void dequantize_row_q8_1(const void* src, float* dst, int64_t n);
void dequantize_row_q2_K(const void* src, float* dst, int64_t n);
void dequantize_row_q3_K(const void* src, float* dst, int64_t n);
void dequantize_row_q4_K(const void* src, float* dst, int64_t n);
void dequantize_row_q5_K(const void* src, float* dst, int64_t n);
void dequantize_row_q6_K(const void* src, float* dst, int64_t n);
void dequantize_row_q8_K(const void* src, float* dst, int64_t n);
void dequantize_row_iq4_nl(const void* src, float* dst, int64_t n);
void dequantize_row_iq4_xs(const void* src, float* dst, int64_t n);
void dequantize_row_mxfp4(const void* src, float* dst, int64_t n);
void dequantize_row_tq1_0(const void* src, float* dst, int64_t n);
void dequantize_row_tq2_0(const void* src, float* dst, int64_t n);

// ---- reference quantizers (ggml's quantize_row_*_ref; n may span many rows) ----
void quantize_row_f32(const float* x, void* dst, int64_t n);
void quantize_row_f16(const float* x, void* dst, int64_t n);
void quantize_row_bf16(const float* x, void* dst, int64_t n);
void quantize_row_q4_0_ref(const float* x, void* dst, int64_t n);
void quantize_row_q4_1_ref(const float* x, void* dst, int64_t n);
void quantize_row_q5_0_ref(const float* x, void* dst, int64_t n);
void quantize_row_q5_1_ref(const float* x, void* dst, int64_t n);
void quantize_row_q8_0_ref(const float* x, void* dst, int64_t n);  // roundf: half away from zero
void quantize_row_q8_1_ref(const float* x, void* dst, int64_t n);
void quantize_row_q2_K_ref(const float* x, void* dst, int64_t n);
void quantize_row_q3_K_ref(const float* x, void* dst, int64_t n);
void quantize_row_q4_K_ref(const float* x, void* dst, int64_t n);
void quantize_row_q5_K_ref(const float* x, void* dst, int64_t n);
void quantize_row_q6_K_ref(const float* x, void* dst, int64_t n);
void quantize_row_q8_K_ref(const float* x, void* dst, int64_t n);

// ---- importance-weighted quantizers (ggml's quantize_row_*_impl with
// quant_weights != null): ONE row of n_per_row values, importance[n_per_row] ----
void quantize_row_q4_0_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q4_1_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q5_0_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q5_1_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q2_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q3_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q4_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q5_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);
void quantize_row_q6_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance);

// ---- activation quantizers, as ggml's x86 CPU backend (AVX path) makes them ----
// Q8_0/Q8_1: d = fp16(amax/127), q = round-half-even(x * (127/amax)).
void quantize_row_q8_0_x86(const float* x, void* dst, int64_t n);
void quantize_row_q8_1_x86(const float* x, void* dst, int64_t n);
// (Q8_K activations: quantize_row_q8_K_ref, which x86 uses as is.)

// ---- scalar reference dot products: one weight row with activations ----
float vec_dot_f32(int64_t n, const void* w, const void* x);
float vec_dot_f16(int64_t n, const void* w, const void* x);
float vec_dot_f32_batch(int64_t n, const void* w, const void* x);
float vec_dot_f16_batch(int64_t n, const void* w, const void* x);
float vec_dot_bf16(int64_t n, const void* w, const void* x);
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* x);
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* x);
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* x);
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* x);
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* x);
float vec_dot_q2_K_q8_K(int64_t n, const void* w, const void* x);
float vec_dot_q3_K_q8_K(int64_t n, const void* w, const void* x);
float vec_dot_q4_K_q8_K(int64_t n, const void* w, const void* x);
float vec_dot_q5_K_q8_K(int64_t n, const void* w, const void* x);
float vec_dot_q6_K_q8_K(int64_t n, const void* w, const void* x);
float vec_dot_iq4_nl_q8_0(int64_t n, const void* w, const void* x);
float vec_dot_iq4_xs_q8_K(int64_t n, const void* w, const void* x);
float vec_dot_mxfp4_q8_0(int64_t n, const void* w, const void* x);

}  // namespace heft::kernels
