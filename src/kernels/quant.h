#pragma once
// Block formats per weight type: conversion to and from float, quantization
// bit-compatible with ggml's reference quantizers, and the dot products the
// engine runs on stored blocks. This is the scalar reference path; optimized
// kernels (kernels/simd/...) are held to it by tests.
#include <cstddef>
#include <cstdint>

#include "formats/ggml_types.h"
#include "kernels/fp16.h"

namespace heft::kernels {

using formats::GgmlType;

// IEEE half and bfloat16, rounding as ggml does (nearest, ties to even):
// fp32_to_fp16, fp16_to_fp32, fp32_to_bf16, bf16_to_fp32 (inline, kernels/fp16.h).

bool can_dequantize(GgmlType type);  // dequantize_row works
bool can_quantize(GgmlType type);    // quantize_rows works
bool can_dot(GgmlType type);         // vec_dot works for this weight type

// n: elements in the row, a multiple of the type's block size.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);

// Like ggml_quantize_chunk: nrows rows of n_per_row floats into consecutive
// rows of `type`; `importance` (n_per_row weights, may be null) selects the
// importance-weighted quantizers as llama-quantize --imatrix does. Returns bytes written.
size_t quantize_rows(GgmlType type, const float* src, void* dst, int64_t nrows, int64_t n_per_row,
                     const float* importance);

// The activation format ggml pairs with a weight type for dot products
// (Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for k-quants, F32 for F32,
// F16 for F16, BF16 for BF16).
GgmlType vec_dot_type(GgmlType weight);

// Converts activations into vec_dot_type(weight) exactly as ggml's CPU backend
// does on x86 (Q8_0: d = fp16(amax/127), q = round-half-even(x/d)).
void quantize_activations(GgmlType act_type, const float* x, void* dst, int64_t n);

// Dot product of one weight row (n elements of `weight`) with activations already
// in vec_dot_type(weight), summed in the order ggml's x86 build uses for one
// token (ggml_vec_dot_*).
float vec_dot(GgmlType weight, int64_t n, const void* w, const void* x);
// The same product in the order ggml uses for prompt batches (llamafile's
// tinyBLAS for F32/F16 rows that are a multiple of 16 long; otherwise as vec_dot).
float vec_dot_batch(GgmlType weight, int64_t n, const void* w, const void* x);
// The k-quants (Q2_K .. Q6_K) in the order llama.cpp runs them on x86 (AVX2 and
// AVX-512 builds alike; kernels/vec_dot_x86.cpp), for one token or (batch) a
// prompt batch, which heft's AVX2 and AVX-VNNI kernels keep bit for bit;
// other types: vec_dot.
float vec_dot_x86(GgmlType weight, int64_t n, const void* w, const void* x, bool batch);

}  // namespace heft::kernels
