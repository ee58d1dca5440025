#include "kernels/attention.h"

#include <algorithm>
#include <cmath>

#include "kernels/float_ops.h"
#include "kernels/fp16.h"
#include "kernels/ggml_order.h"

namespace heft::kernels {

namespace {

int64_t padded(int64_t n) { return (n + 63) / 64 * 64; }

// ggml's soft_max row: masked values are 0, exponentials 16 at a time.
void softmax_row(float* x, int64_t first, int64_t n, int64_t n_pad) {
  float max = -INFINITY;
  for (int64_t i = first; i < n; ++i) max = std::fmax(max, x[i]);
  double sum = 0.0;
  for (int64_t i = 0; i < n_pad; i += 16) {
    float chunk[16];
    for (int l = 0; l < 16; ++l) {
      const int64_t k = i + l;
      chunk[l] = k >= first && k < n ? ggml_order::expf(x[k] - max) : 0.0f;
      x[k] = chunk[l];
    }
    sum += static_cast<double>(ggml_order::reduce_add16(chunk));
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n_pad; ++i) x[i] *= inv;
}

}  // namespace

size_t attention_scratch_floats(int64_t n_kv_max, int64_t hd_k, int64_t hd_v) {
  const int64_t n = padded(n_kv_max), hd = std::max(hd_k, hd_v);
  // The reference: 3 rows of n and a head; the SIMD kernels: scores, the query, 64 rows of values.
  return static_cast<size_t>(3 * n + 66 * hd + 64);
}

detail::FloatOps detail::float_ops(SimdTarget target) {
  const FloatOps x86 = float_ops_x86(target);
  return x86.attention_head ? x86 : float_ops_arm(target);
}

void attention_head(const AttentionArgs& a, float* out, float* scratch, SimdTarget target) {
  if (auto f = detail::float_ops(target).attention_head) return f(a, out, scratch);
  attention_head_ref(a, out, scratch);
}

void swiglu(float* gate, const float* up, int64_t n, SimdTarget target) {
  const int64_t n16 = n & ~int64_t{15};
  if (auto f = detail::float_ops(target).swiglu16) f(gate, up, n16);
  else
    for (int64_t i = 0; i < n16; ++i) gate[i] = ggml_order::silu(gate[i]) * up[i];
  for (int64_t i = n16; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void attention_head_ref(const AttentionArgs& a, float* out, float* scratch) {
  const int64_t n_pad = padded(a.n_kv);
  float* scores = scratch;                                          // n_pad
  float* column = scratch + n_pad;                                  // n_pad
  uint16_t* half_a = reinterpret_cast<uint16_t*>(scratch + 2 * n_pad);  // n_pad halves
  uint16_t* half_b = half_a + n_pad;                                // n_pad halves (the rest of the buffer)
  auto k_row = [&](int64_t j) { return a.k + kv_row(a, j) * a.k_stride; };
  auto v_row = [&](int64_t j) { return a.v + kv_row(a, j) * a.v_stride; };

  // Scores. The query is not contiguous in ggml's graph, so these are always vec_dot rows,
  // except that an F16 cache converts it first and then uses tinyBLAS for batches.
  if (a.f16) {
    for (int64_t d = 0; d < a.hd_k; ++d) half_a[d] = fp32_to_fp16(a.q[d]);
    for (int64_t j = a.first; j < a.n_kv; ++j) {
      const auto* k = reinterpret_cast<const uint16_t*>(k_row(j));
      scores[j] = a.batch && a.hd_k % 16 == 0 ? ggml_order::dot_f16_batch(k, half_a, a.hd_k)
                                              : ggml_order::dot_f16(k, half_a, a.hd_k);
    }
  } else {
    for (int64_t j = a.first; j < a.n_kv; ++j)
      scores[j] = ggml_order::dot_f32(reinterpret_cast<const float*>(k_row(j)), a.q, a.hd_k);
  }
  for (int64_t j = a.first; j < a.n_kv; ++j) {
    float s = scores[j];
    if (a.softcap > 0.0f) s = std::tanh(s * (1.0f / a.softcap)) * a.softcap;
    scores[j] = s * a.scale;
  }
  softmax_row(scores, a.first, a.n_kv, n_pad);

  // Values: every position up to the padded length; masked ones have probability 0.
  if (a.f16) {
    for (int64_t j = 0; j < n_pad; ++j) half_b[j] = fp32_to_fp16(scores[j]);
    for (int64_t d = 0; d < a.hd_v; ++d) {
      for (int64_t j = 0; j < a.n_kv; ++j) half_a[j] = j < a.first ? 0 : reinterpret_cast<const uint16_t*>(v_row(j))[d];
      for (int64_t j = a.n_kv; j < n_pad; ++j) half_a[j] = 0;
      out[d] = a.batch ? ggml_order::dot_f16_batch(half_a, half_b, n_pad) : ggml_order::dot_f16(half_a, half_b, n_pad);
    }
  } else {
    for (int64_t d = 0; d < a.hd_v; ++d) {
      for (int64_t j = 0; j < a.n_kv; ++j) column[j] = j < a.first ? 0.0f : reinterpret_cast<const float*>(v_row(j))[d];
      for (int64_t j = a.n_kv; j < n_pad; ++j) column[j] = 0.0f;
      out[d] = a.batch ? ggml_order::dot_f32_batch(column, scores, n_pad) : ggml_order::dot_f32(column, scores, n_pad);
    }
  }
}

}  // namespace heft::kernels
