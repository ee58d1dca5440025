// The k-quant dot products in the float order llama.cpp runs them on x86
// (llama.cpp 3f545be), the scalar twin of heft's AVX2 k-quant kernels:
// - Q3_K, Q5_K, Q6_K: ggml_vec_dot_qX_K_q8_K's AVX2 code (also what an
//   AVX-512 build runs): per super-block eight int32 lanes, lane m holding the
//   scaled sums of bytes 4m..4m+3 of every 32-weight chunk, then one fused
//   multiply-add of d into 8 float lanes, hsum_float_8 at the end. Q6_K
//   subtracts its offset of 32 per lane pair of 16-groups (madd of bsums and
//   scales), Q3_K its offset of 4 inside each lane; Q5_K's mins go into one
//   float, fused (GCC contracts `summs += dmin * isum`).
// - Q2_K, Q4_K: the repacked gemv/gemm (ggml-cpu/arch/x86/repack.cpp,
//   q2_K_8x8 on AVX-512, q4_K_8x8 on AVX2 and AVX-512, every weight matrix
//   whose row count is a multiple of 8): one exact integer sum per
//   super-block, fused into one float per output, the mins into another,
//   subtracted at the end.
// Activations are the reference Q8_K rows (quantize_row_q8_K_ref, as x86 uses).
#include <cmath>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/ggml_order.h"
#include "kernels/quant.h"
#include "kernels/quant_k_common.h"

namespace heft::kernels {

namespace {

// One super-block's quants as the kernels multiply them, and the scale of each.
struct SuperBlock {
  int q[kQK_K];       // stored value (Q5_K: 0..31, Q6_K: value + 32, Q3_K: signed)
  int sc[16];         // sub-block scales (Q4_K/Q5_K: 8 of 32 weights; else 16 of 16)
  int mins[16];       // Q2_K, Q4_K, Q5_K
  int sub = 16;       // weights per sub-block
};

SuperBlock unpack(GgmlType type, const uint8_t* blk) {
  SuperBlock s;
  switch (type) {
    case GgmlType::Q2_K: {
      const auto& b = *reinterpret_cast<const BlockQ2_K*>(blk);
      for (int i = 0; i < kQK_K; ++i) s.q[i] = (b.qs[32 * (i / 128) + i % 32] >> (2 * ((i / 32) % 4))) & 3;
      for (int j = 0; j < 16; ++j) s.sc[j] = b.scales[j] & 0xf, s.mins[j] = b.scales[j] >> 4;
      break;
    }
    case GgmlType::Q3_K: {
      const auto& b = *reinterpret_cast<const BlockQ3_K*>(blk);
      for (int i = 0; i < kQK_K; ++i) {
        const int lo = (b.qs[32 * (i / 128) + i % 32] >> (2 * ((i / 32) % 4))) & 3;
        s.q[i] = lo - ((b.hmask[i % 32] >> (i / 32) & 1) ? 0 : 4);
      }
      for (int j = 0; j < 16; ++j) s.sc[j] = q3_K_scale(b.scales, j);
      break;
    }
    case GgmlType::Q4_K:
    case GgmlType::Q5_K: {
      const bool q5 = type == GgmlType::Q5_K;
      const uint8_t* scales = q5 ? reinterpret_cast<const BlockQ5_K*>(blk)->scales : reinterpret_cast<const BlockQ4_K*>(blk)->scales;
      const uint8_t* qs = q5 ? reinterpret_cast<const BlockQ5_K*>(blk)->qs : reinterpret_cast<const BlockQ4_K*>(blk)->qs;
      for (int i = 0; i < kQK_K; ++i) {
        s.q[i] = (qs[32 * (i / 64) + i % 32] >> (4 * ((i / 32) % 2))) & 0xf;
        if (q5) s.q[i] |= ((reinterpret_cast<const BlockQ5_K*>(blk)->qh[i % 32] >> (i / 32)) & 1) << 4;
      }
      for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        get_scale_min_k4(j, scales, &sc, &m);
        s.sc[j] = sc, s.mins[j] = m;
      }
      s.sub = 32;
      break;
    }
    case GgmlType::Q6_K: {
      const auto& b = *reinterpret_cast<const BlockQ6_K*>(blk);
      for (int i = 0; i < kQK_K; ++i) {
        const int h = i / 128, kk = (i / 32) % 4, l = i % 32;
        const int ql = b.ql[64 * h + 32 * (kk & 1) + l];
        s.q[i] = ((kk < 2 ? ql : ql >> 4) & 0xf) | ((b.qh[32 * h + l] >> (2 * kk)) & 3) << 4;
      }
      for (int j = 0; j < 16; ++j) s.sc[j] = b.scales[j];
      break;
    }
    default: break;
  }
  return s;
}

// Lane m of ggml's AVX2 sumi: bytes 4m..4m+3 of every 32-weight chunk, each times its sub-block's scale.
void lanes(const SuperBlock& s, const int8_t* x, int sumi[8]) {
  for (int m = 0; m < 8; ++m) {
    sumi[m] = 0;
    for (int c = 0; c < 8; ++c) {
      const int i0 = 32 * c + 4 * m;
      int dot = 0;
      for (int e = 0; e < 4; ++e) dot += s.q[i0 + e] * x[i0 + e];
      sumi[m] += s.sc[i0 / s.sub] * dot;
    }
  }
}

float fp16_at(const uint8_t* p) { return fp16_to_fp32(static_cast<uint16_t>(p[0] | p[1] << 8)); }

}  // namespace

float vec_dot_x86(GgmlType type, int64_t n, const void* w, const void* xv, bool batch) {
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const auto* wb = static_cast<const uint8_t*>(w);
  const size_t bytes = formats::type_traits(type)->block_bytes;
  const int64_t nb = n / kQK_K;
  switch (type) {
    case GgmlType::Q2_K:
    case GgmlType::Q4_K: {  // repack order: gemv per super-block, gemm per 64 (Q4_K) or 128 (Q2_K) weights
      const size_t d_at = type == GgmlType::Q2_K ? 80 : 0;
      const int group = !batch ? kQK_K : type == GgmlType::Q2_K ? 128 : 64;
      float acc = 0, acc_min = 0;
      for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* blk = wb + static_cast<size_t>(i) * bytes;
        const SuperBlock s = unpack(type, blk);
        for (int g0 = 0; g0 < kQK_K; g0 += group) {
          int isum = 0, msum = 0;
          for (int j = g0; j < g0 + group; ++j) isum += s.sc[j / s.sub] * s.q[j] * x[i].qs[j];
          for (int j = g0 / s.sub; j < (g0 + group) / s.sub; ++j) {
            const int bsum = s.sub == 16 ? x[i].bsums[j] : x[i].bsums[2 * j] + x[i].bsums[2 * j + 1];
            msum += s.mins[j] * bsum;
          }
          acc = std::fma(static_cast<float>(isum), fp16_at(blk + d_at) * x[i].d, acc);
          acc_min = std::fma(static_cast<float>(msum), fp16_at(blk + d_at + 2) * x[i].d, acc_min);
        }
      }
      return acc - acc_min;
    }
    case GgmlType::Q3_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K: {  // ggml_vec_dot_*_q8_K, AVX2
      const size_t d_at = type == GgmlType::Q3_K ? 108 : type == GgmlType::Q6_K ? 208 : 0;
      float acc[8] = {}, summs = 0;
      for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* blk = wb + static_cast<size_t>(i) * bytes;
        const SuperBlock s = unpack(type, blk);
        int sumi[8];
        lanes(s, x[i].qs, sumi);
        if (type == GgmlType::Q6_K)
          for (int l = 0; l < 8; ++l) sumi[l] -= 32 * (x[i].bsums[2 * l] * s.sc[2 * l] + x[i].bsums[2 * l + 1] * s.sc[2 * l + 1]);
        const float d = x[i].d * fp16_at(blk + d_at);
        for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(sumi[l]), acc[l]);
        if (type == GgmlType::Q5_K) {
          int msum = 0;
          for (int j = 0; j < 8; ++j) msum += s.mins[j] * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
          summs = std::fma(-x[i].d * fp16_at(blk + 2), static_cast<float>(msum), summs);
        }
      }
      return ggml_order::hsum8(acc) + summs;
    }
    default: return batch ? vec_dot_batch(type, n, w, xv) : vec_dot(type, n, w, xv);
  }
}

}  // namespace heft::kernels
