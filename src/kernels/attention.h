#pragma once
// One query head against the cached keys and values of one KV head, in the
// order of operations of ggml's non-flash-attention graph (see ggml_order.h):
// scores are ggml_vec_dot rows, softmax exponentiates 16 at a time with
// ggml_v_expf, and the value product runs over cached positions padded to 64
// (tinyBLAS's order for a prompt batch, ggml_vec_dot's for a single token).
// With an F16 cache the query and the probabilities are rounded to half
// first, as ggml converts them to the cache's type.
#include <cstddef>
#include <cstdint>

#include "kernels/simd.h"

namespace heft::kernels {

struct AttentionArgs {
  const float* q = nullptr;      // (hd_k)
  const uint8_t* k = nullptr;    // cache row i of this KV head at k + i * k_stride
  const uint8_t* v = nullptr;    // cache row i of this KV head at v + i * v_stride
  size_t k_stride = 0, v_stride = 0;
  // Position j's cache row: j itself when blocks is null (one sequence, its
  // positions in order), else row j % B of block blocks[j / B], B = 1 << block_shift
  // (a server's sequences in blocks of one pool). The arithmetic is the same either way.
  const int32_t* blocks = nullptr;
  int block_shift = 0;
  bool f16 = false;              // cache element type: F16, else F32
  int64_t hd_k = 0, hd_v = 0;
  int64_t n_kv = 0;              // positions 0 .. n_kv-1 exist
  int64_t first = 0;             // positions before `first` are masked (sliding window)
  float scale = 1.0f;            // multiplies q·k
  float softcap = 0.0f;          // > 0: scores become softcap * tanh(scores / softcap)
  bool batch = false;            // part of a prompt batch (tinyBLAS order) rather than one token
};

inline size_t kv_row(const AttentionArgs& a, int64_t j) {
  if (!a.blocks) return static_cast<size_t>(j);
  const int64_t mask = (int64_t{1} << a.block_shift) - 1;
  return (static_cast<size_t>(a.blocks[j >> a.block_shift]) << a.block_shift) | static_cast<size_t>(j & mask);
}

// Floats of scratch attention_head needs for up to n_kv_max positions.
size_t attention_scratch_floats(int64_t n_kv_max, int64_t hd_k, int64_t hd_v);

// out: (hd_v). scratch: attention_scratch_floats(...) floats, private to the caller's thread.
// Runs the target's SIMD kernel (kernels/float_kernels-inl.h), bit-identical to
// attention_head_ref, the scalar reference.
void attention_head(const AttentionArgs& a, float* out, float* scratch, SimdTarget target = simd_target());
void attention_head_ref(const AttentionArgs& a, float* out, float* scratch);

}  // namespace heft::kernels
