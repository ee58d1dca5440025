#pragma once
// Activation rows as the x86 kernels read them: planar, so that 32-byte loads
// of quants line up with whole blocks and scales sit in float arrays. The
// values are exactly those of the reference formats (kernels/activations.cpp,
// quantize_row_q8_K_ref); only the layout differs.
#include <cstddef>
#include <cstdint>

namespace heft::kernels::x86 {

inline size_t align64(size_t n) { return (n + 63) & ~size_t{63}; }

// Q8_0 and Q8_1 (for Q4_0, Q5_0, Q8_0 and Q4_1, Q5_1 weights), k elements, k / 32 blocks:
//   qs   (k) int8 quants                                   at 0
//   d    (k / 32) float: fp16_to_fp32 of the block's fp16 scale   at d
//   bias (k / 4) int32: -zero_point * (sum of 4 quants)    at bias
//   bsum (k / 32) int32: -zero_point * (sum of the block)  at bsum
//   s    (k / 32) float: Q8_1's fp16 s = d * (sum of the block), widened  at s
// The weight type's zero point (8, 16, 128) folds into the bias, so an
// unsigned-times-signed dot (vpdpbusd) of the stored quants plus the bias is
// the exact integer dot of the signed values.
struct Q8Layout {
  size_t d, bias, bsum, s, bytes;
};
inline Q8Layout q8_layout(int64_t k) {
  const size_t qs = align64(static_cast<size_t>(k));
  const size_t d = align64(static_cast<size_t>(k / 32) * 4);
  const size_t bias = align64(static_cast<size_t>(k));
  return {qs, qs + d, qs + d + bias, qs + d + bias + d, qs + d + bias + d + d};
}

// Q8_K (for the k-quants), k elements, k / 256 super-blocks:
//   qs    (k) int8 quants              at 0
//   d     (k / 256) float scales       at d
//   bsums (k / 16) int16 group sums    at bsums
//   pairs (k / 64) int32: the sums of 32 quants of sub-blocks 2q and 2q+1
//         (Q4_K/Q5_K's, for their mins) as two int16, low and high   at pairs
struct Q8KLayout {
  size_t d, bsums, pairs, bytes;
};
inline Q8KLayout q8k_layout(int64_t k) {
  const size_t qs = align64(static_cast<size_t>(k));
  const size_t d = align64(static_cast<size_t>(k / 256) * 4);
  const size_t bsums = align64(static_cast<size_t>(k / 16) * 2);
  return {qs, qs + d, qs + d + bsums, qs + d + bsums + align64(static_cast<size_t>(k / 64) * 4)};
}

}  // namespace heft::kernels::x86
