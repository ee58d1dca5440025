// Importance-weighted quantizers: what ggml_quantize_chunk runs when given
// quant_weights (llama-quantize --imatrix): ggml's quantize_row_*_impl. Each
// quantizes one row; `importance` has one weight per element of the row. The
// per-element weight is importance * sqrt(sigma2 + x^2), sigma2 being the
// row's (legacy) or super-block's (k-quants) mean square, as in ggml.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/quant_k_common.h"
#include "kernels/quant_rows.h"
#include "kernels/quant_search.h"

namespace heft::kernels {

namespace {

float mean_square(const float* x, int64_t n) {
  float sum_x2 = 0;
  for (int64_t j = 0; j < n; ++j) sum_x2 += x[j] * x[j];
  return sum_x2 / static_cast<float>(n);
}

// weight[j] = qw[j] * sqrt(sigma2 + x[j]^2)
void importance_weights(const float* x, const float* qw, float sigma2, int n, float* weight) {
  for (int j = 0; j < n; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

float sum(const float* v, int n) {
  float s = 0;
  for (int j = 0; j < n; ++j) s += v[j];
  return s;
}

// Legacy 5-bit packing: low nibbles of L[j], L[j+16] in qs[j]; fifth bits in qh.
template <class Block, class Q>
void pack_q5(Block& b, const Q* L) {
  uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    const auto q0 = static_cast<uint8_t>(L[j]), q1 = static_cast<uint8_t>(L[j + 16]);
    b.qs[j] = static_cast<uint8_t>((q0 & 0xf) | (q1 & 0xf) << 4);
    qh |= uint32_t(q0 >> 4 & 1) << j;
    qh |= uint32_t(q1 >> 4 & 1) << (j + 16);
  }
  for (int k = 0; k < 4; ++k) b.qh[k] = static_cast<uint8_t>(qh >> (8 * k));
}

}  // namespace

// ---------------------------------------------------------------- legacy

void quantize_row_q4_0_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ4_0*>(dst);
  const float sigma2 = mean_square(x, n_per_row);
  float weight[kQK];
  int8_t L[kQK];
  for (int64_t ib = 0; ib < n_per_row / kQK; ++ib) {
    const float* xb = x + kQK * ib;
    importance_weights(xb, importance + kQK * ib, sigma2, kQK, weight);
    y[ib].d = fp32_to_fp16(make_qx_quants(kQK, 8, xb, L, 1, weight));
    for (int j = 0; j < 16; ++j) y[ib].qs[j] = static_cast<uint8_t>(L[j] | L[j + 16] << 4);
  }
}

void quantize_row_q4_1_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ4_1*>(dst);
  const float sigma2 = mean_square(x, n_per_row);
  float weight[kQK];
  uint8_t L[kQK], Laux[kQK];
  for (int64_t ib = 0; ib < n_per_row / kQK; ++ib) {
    const float* xb = x + kQK * ib;
    importance_weights(xb, importance + kQK * ib, sigma2, kQK, weight);
    float min;
    const float d = make_qkx3_quants(kQK, 15, xb, weight, L, &min, Laux, -0.9f, 0.05f, 36, false);
    y[ib].d = fp32_to_fp16(d);
    y[ib].m = fp32_to_fp16(-min);
    for (int j = 0; j < 16; ++j) y[ib].qs[j] = static_cast<uint8_t>(L[j] | L[j + 16] << 4);
  }
}

void quantize_row_q5_0_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ5_0*>(dst);
  const float sigma2 = mean_square(x, n_per_row);
  float weight[kQK];
  int8_t L[kQK];
  for (int64_t ib = 0; ib < n_per_row / kQK; ++ib) {
    const float* xb = x + kQK * ib;
    importance_weights(xb, importance + kQK * ib, sigma2, kQK, weight);
    y[ib].d = fp32_to_fp16(make_qx_quants(kQK, 16, xb, L, 1, weight));
    pack_q5(y[ib], L);
  }
}

void quantize_row_q5_1_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ5_1*>(dst);
  const float sigma2 = mean_square(x, n_per_row);
  float weight[kQK];
  uint8_t L[kQK], Laux[kQK];
  for (int64_t ib = 0; ib < n_per_row / kQK; ++ib) {
    const float* xb = x + kQK * ib;
    importance_weights(xb, importance + kQK * ib, sigma2, kQK, weight);
    float min;
    const float d = make_qkx3_quants(kQK, 31, xb, weight, L, &min, Laux, -0.9f, 0.05f, 36, false);
    y[ib].d = fp32_to_fp16(d);
    y[ib].m = fp32_to_fp16(-min);
    pack_q5(y[ib], L);
  }
}

// ---------------------------------------------------------------- k-quants

void quantize_row_q2_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ2_K*>(dst);
  uint8_t L[kQK_K], Laux[16], Ls[16], Lm[16];
  float mins[16], scales[16], sw[16], weight[16];
  for (int64_t i = 0; i < n_per_row / kQK_K; ++i, x += kQK_K) {
    const float sigma2 = mean_square(x, kQK_K);
    for (int j = 0; j < 16; ++j) {
      importance_weights(x + 16 * j, importance + kQK_K * i + 16 * j, sigma2, 16, weight);
      sw[j] = sum(weight, 16);
      scales[j] = make_qkx3_quants(16, 3, x + 16 * j, weight, L + 16 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
    }
    const float dm = make_qp_quants(16, 15, scales, Ls, sw);
    const float mm = make_qp_quants(16, 15, mins, Lm, sw);
    y[i].d = fp32_to_fp16(dm);
    y[i].dmin = fp32_to_fp16(mm);
    for (int j = 0; j < 16; ++j) y[i].scales[j] = static_cast<uint8_t>(Ls[j] | Lm[j] << 4);
    requantize_q2_K(x, y[i], L);
    pack_2bit(L, y[i].qs);
  }
}

void quantize_row_q3_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ3_K*>(dst);
  int8_t L[kQK_K], Ls[16];
  float scales[16], weight[16], sw[16];
  for (int64_t i = 0; i < n_per_row / kQK_K; ++i, x += kQK_K) {
    float sumx2 = 0;
    for (int j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
    const float sigma2 = 2 * sumx2 / kQK_K;
    for (int j = 0; j < 16; ++j) {
      importance_weights(x + 16 * j, importance + kQK_K * i + 16 * j, sigma2, 16, weight);
      sw[j] = sum(weight, 16);
      scales[j] = make_qx_quants(16, 4, x + 16 * j, L + 16 * j, 1, weight);
    }
    std::memset(y[i].scales, 0, sizeof y[i].scales);
    const float d_block = make_qx_quants(16, 32, scales, Ls, 1, sw);
    for (int j = 0; j < 16; ++j) pack_q3_K_scale(y[i].scales, j, Ls[j]);
    y[i].d = fp32_to_fp16(d_block);
    finish_q3_K(x, y[i], L);
  }
}

namespace {

// Q4_K/Q5_K: weighted (scale, min) per sub-block, then 6-bit scales/mins by make_qp_quants.
template <class Block>
void quantize_k4_imatrix(const float* x, const float* qw, Block& b, uint8_t* L, int nmax, bool clamp_scales) {
  uint8_t Laux[32], Ls[8], Lm[8];
  float weights[32], sw[8], mins[8], scales[8];
  float sum_x2 = 0;
  for (int l = 0; l < kQK_K; ++l) sum_x2 += x[l] * x[l];
  const float sigma2 = 2 * sum_x2 / kQK_K;
  for (int j = 0; j < 8; ++j) {
    importance_weights(x + 32 * j, qw + 32 * j, sigma2, 32, weights);
    sw[j] = sum(weights, 32);
    scales[j] = make_qkx3_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
  }
  const float d_block = make_qp_quants(8, 63, scales, Ls, sw);
  const float m_block = make_qp_quants(8, 63, mins, Lm, sw);
  for (int j = 0; j < 8; ++j) {
    // ggml clamps to 63 for Q5_K only (make_qp_quants can leave a wrapped negative).
    const uint8_t ls = clamp_scales ? std::min<uint8_t>(63, Ls[j]) : Ls[j];
    const uint8_t lm = clamp_scales ? std::min<uint8_t>(63, Lm[j]) : Lm[j];
    pack_scale_min_k4(b.scales, j, ls, lm);
  }
  b.d = fp32_to_fp16(d_block);
  b.dmin = fp32_to_fp16(m_block);
  requantize_k4(x, b.d, b.dmin, b.scales, nmax, L);
}

}  // namespace

void quantize_row_q4_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ4_K*>(dst);
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < n_per_row / kQK_K; ++i, x += kQK_K) {
    quantize_k4_imatrix(x, importance + kQK_K * i, y[i], L, 15, false);
    pack_q4_K(L, y[i].qs);
  }
}

void quantize_row_q5_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ5_K*>(dst);
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < n_per_row / kQK_K; ++i, x += kQK_K) {
    quantize_k4_imatrix(x, importance + kQK_K * i, y[i], L, 31, true);
    pack_q5_K(L, y[i].qh, y[i].qs);
  }
}

void quantize_row_q6_K_imatrix(const float* x, void* dst, int64_t n_per_row, const float* importance) {
  auto* y = static_cast<BlockQ6_K*>(dst);
  int8_t L[kQK_K];
  float scales[16];
  for (int64_t i = 0; i < n_per_row / kQK_K; ++i, x += kQK_K) {
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < 16; ++ib) {
      // The importance is used directly here, without the sigma2 term (as ggml does).
      scales[ib] = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1, importance + kQK_K * i + 16 * ib);
      if (std::fabs(scales[ib]) > max_abs_scale) {
        max_abs_scale = std::fabs(scales[ib]);
        max_scale = scales[ib];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&y[i], 0, sizeof y[i]);
      continue;
    }
    finish_q6_K(x, y[i], scales, max_scale, L);
  }
}

}  // namespace heft::kernels
