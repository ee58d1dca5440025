// Scalar reference dot products of one weight row with activations already in
// the paired format (vec_dot_type). Quantized types: exact integer sums inside
// each block (or super-block), then one float scaling per block, accumulated
// in float in block order, with the association of ggml's generic kernels
// (ggml-cpu/quants.c), or ggml's x86 lane order where noted. Float types: F32
// and F16 in ggml's AVX-512 order, BF16 in 16 float lanes (ggml_order.h).
// Where ggml's SIMD kernels sum in other orders results agree to rounding;
// heft's own SIMD kernels are held to these within stated tolerances, or bit
// for bit where they keep the same order.
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/ggml_order.h"
#include "kernels/quant_k_common.h"
#include "kernels/quant_nonlinear.h"
#include "kernels/quant_rows.h"

namespace heft::kernels {

namespace {

uint32_t load_qh(const uint8_t* qh) {
  return uint32_t{qh[0]} | uint32_t{qh[1]} << 8 | uint32_t{qh[2]} << 16 | uint32_t{qh[3]} << 24;
}

}  // namespace

// ---------------------------------------------------------------- float types

// F32 and F16 follow ggml's AVX-512 summation order, BF16 heft's 16-lane order (kernels/ggml_order.h).
float vec_dot_f32(int64_t n, const void* w, const void* x) {
  return ggml_order::dot_f32(static_cast<const float*>(w), static_cast<const float*>(x), n);
}

float vec_dot_f32_batch(int64_t n, const void* w, const void* x) {
  if (n % 16 != 0) return vec_dot_f32(n, w, x);
  return ggml_order::dot_f32_batch(static_cast<const float*>(w), static_cast<const float*>(x), n);
}

float vec_dot_f16(int64_t n, const void* w, const void* x) {
  return ggml_order::dot_f16(static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x), n);
}

float vec_dot_f16_batch(int64_t n, const void* w, const void* x) {
  if (n % 16 != 0) return vec_dot_f16(n, w, x);
  return ggml_order::dot_f16_batch(static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x), n);
}

float vec_dot_bf16(int64_t n, const void* w, const void* x) {
  return ggml_order::dot_bf16(static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x), n);
}

// ---------------------------------------------------------------- legacy × Q8_0 / Q8_1

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* x) {
  // ggml repacks Q4_0 on x86 and its kernels add each block's integer sum with
  // one fused multiply-add by d_w * d_x.
  const auto* a = static_cast<const BlockQ4_0*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += ((a[i].qs[j] & 0xf) - 8) * b[i].qs[j];
      sumi += ((a[i].qs[j] >> 4) - 8) * b[i].qs[j + kQK / 2];
    }
    sumf = std::fma(static_cast<float>(sumi), fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d), sumf);
  }
  return sumf;
}

float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* x) {
  // ggml's x86 order: eight lanes of four products per block, fma'd with d_w*d_x;
  // the min term m_w * s_x summed in order on the side.
  const auto* a = static_cast<const BlockQ4_1*>(w);
  const auto* b = static_cast<const BlockQ8_1*>(x);
  float acc[8] = {}, summs = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    summs = std::fma(fp16_to_fp32(a[i].m), fp16_to_fp32(b[i].s), summs);
    const float d = fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d);
    int q[kQK];
    for (int j = 0; j < kQK / 2; ++j) {
      q[j] = a[i].qs[j] & 0xf;
      q[j + kQK / 2] = a[i].qs[j] >> 4;
    }
    for (int lane = 0; lane < 8; ++lane) {
      int sumi = 0;
      for (int j = 4 * lane; j < 4 * lane + 4; ++j) sumi += q[j] * b[i].qs[j];
      acc[lane] = std::fma(d, static_cast<float>(sumi), acc[lane]);
    }
  }
  return ggml_order::hsum8(acc) + summs;
}

float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* x) {
  // ggml's x86 order (vec_dot and tinyBLAS): eight lanes of four products, fma per block.
  const auto* a = static_cast<const BlockQ5_0*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float acc[8] = {};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const uint32_t qh = load_qh(a[i].qh);
    int q[kQK];
    for (int j = 0; j < kQK / 2; ++j) {
      q[j] = ((a[i].qs[j] & 0xf) | static_cast<int>(qh >> j & 1) << 4) - 16;
      q[j + kQK / 2] = ((a[i].qs[j] >> 4) | static_cast<int>(qh >> (j + 16) & 1) << 4) - 16;
    }
    const float d = fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d);
    for (int lane = 0; lane < 8; ++lane) {
      int sumi = 0;
      for (int j = 4 * lane; j < 4 * lane + 4; ++j) sumi += q[j] * b[i].qs[j];
      acc[lane] = std::fma(d, static_cast<float>(sumi), acc[lane]);
    }
  }
  return ggml_order::hsum8(acc);
}

float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* x) {
  // As Q4_1: eight lanes fma'd per block, the min term summed on the side.
  const auto* a = static_cast<const BlockQ5_1*>(w);
  const auto* b = static_cast<const BlockQ8_1*>(x);
  float acc[8] = {}, summs = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    summs = std::fma(fp16_to_fp32(a[i].m), fp16_to_fp32(b[i].s), summs);
    const uint32_t qh = load_qh(a[i].qh);
    int q[kQK];
    for (int j = 0; j < kQK / 2; ++j) {
      q[j] = (a[i].qs[j] & 0xf) | static_cast<int>(qh >> j & 1) << 4;
      q[j + kQK / 2] = (a[i].qs[j] >> 4) | static_cast<int>(qh >> (j + 16) & 1) << 4;
    }
    const float d = fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d);
    for (int lane = 0; lane < 8; ++lane) {
      int sumi = 0;
      for (int j = 4 * lane; j < 4 * lane + 4; ++j) sumi += q[j] * b[i].qs[j];
      acc[lane] = std::fma(d, static_cast<float>(sumi), acc[lane]);
    }
  }
  return ggml_order::hsum8(acc) + summs;
}

// As ggml's x86 kernels (vec_dot and tinyBLAS alike): eight lanes, each the
// integer sum of four adjacent products, scaled and accumulated with a fused
// multiply-add per block, then summed horizontally. Q8_0 models feed these
// results back into quantized activations, so llama.cpp's exact order matters.
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ8_0*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float acc[8] = {};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d);
    for (int lane = 0; lane < 8; ++lane) {
      int sumi = 0;
      for (int j = 4 * lane; j < 4 * lane + 4; ++j) sumi += a[i].qs[j] * b[i].qs[j];
      acc[lane] = std::fma(d, static_cast<float>(sumi), acc[lane]);
    }
  }
  return ggml_order::hsum8(acc);
}

float vec_dot_iq4_nl_q8_0(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockIQ4_NL*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(b[i].d) * fp16_to_fp32(a[i].d);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += b[i].qs[j] * kIq4nlValues[a[i].qs[j] & 0xf];
      sumi += b[i].qs[j + kQK / 2] * kIq4nlValues[a[i].qs[j] >> 4];
    }
    sumf += d * static_cast<float>(sumi);
  }
  return sumf;
}

float vec_dot_mxfp4_q8_0(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockMXFP4*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(b[i].d) * e8m0_to_fp32_half(a[i].e);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += b[i].qs[j] * kFp4Values[a[i].qs[j] & 0xf];
      sumi += b[i].qs[j + kQK / 2] * kFp4Values[a[i].qs[j] >> 4];
    }
    sumf += d * static_cast<float>(sumi);
  }
  return sumf;
}

// ---------------------------------------------------------------- k-quants × Q8_K

// Q8_K blocks carry bsums (sums of 16 quants), so a sub-block's min term is
// min * bsum: sum_j (d sc q_j - dmin m)(d8 q8_j) = d d8 sc sum(q q8) - dmin d8 m bsum.

float vec_dot_q2_K_q8_K(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ2_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int summs = 0;
    for (int j = 0; j < 16; ++j) summs += b[i].bsums[j] * (a[i].scales[j] >> 4);
    int isum = 0;
    for (int sb = 0; sb < 16; ++sb) {  // sub-block sb: weights 16*sb .. 16*sb+15
      const int half = sb / 8, shift = 2 * ((sb / 2) % 4), off = 16 * (sb % 2);
      int dot = 0;
      for (int l = 0; l < 16; ++l)
        dot += b[i].qs[16 * sb + l] * ((a[i].qs[32 * half + off + l] >> shift) & 3);
      isum += (a[i].scales[sb] & 0xf) * dot;
    }
    const float dall = b[i].d * fp16_to_fp32(a[i].d);
    const float dmin = b[i].d * fp16_to_fp32(a[i].dmin);
    sumf += dall * static_cast<float>(isum) - dmin * static_cast<float>(summs);
  }
  return sumf;
}

float vec_dot_q3_K_q8_K(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ3_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int isum = 0;
    for (int sb = 0; sb < 16; ++sb) {
      const int half = sb / 8, shift = 2 * ((sb / 2) % 4), off = 16 * (sb % 2);
      const int hbit = sb / 2;  // hmask bit of weights 32*hbit .. 32*hbit+31
      int dot = 0;
      for (int l = 0; l < 16; ++l) {
        const int lo = (a[i].qs[32 * half + off + l] >> shift) & 3;
        const int q = lo - ((a[i].hmask[off + l] >> hbit & 1) ? 0 : 4);
        dot += b[i].qs[16 * sb + l] * q;
      }
      isum += q3_K_scale(a[i].scales, sb) * dot;
    }
    const float d = fp16_to_fp32(a[i].d) * b[i].d;
    sumf += d * static_cast<float>(isum);
  }
  return sumf;
}

namespace {

// Q4_K and Q5_K share everything but the fifth bit.
template <class Block, bool kFifthBit>
float vec_dot_k4(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const Block*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int isum = 0, summs = 0;
    for (int sb = 0; sb < 8; ++sb) {  // sub-block sb: weights 32*sb .. 32*sb+31
      uint8_t sc, m;
      get_scale_min_k4(sb, a[i].scales, &sc, &m);
      const uint8_t* qs = a[i].qs + 32 * (sb / 2);
      const int nib = 4 * (sb % 2);
      int dot = 0;
      for (int l = 0; l < 32; ++l) {
        int q = (qs[l] >> nib) & 0xf;
        if constexpr (kFifthBit) q |= ((a[i].qh[l] >> sb) & 1) << 4;
        dot += b[i].qs[32 * sb + l] * q;
      }
      isum += sc * dot;
      summs += m * (b[i].bsums[2 * sb] + b[i].bsums[2 * sb + 1]);
    }
    const float d = fp16_to_fp32(a[i].d) * b[i].d;
    const float dmin = fp16_to_fp32(a[i].dmin) * b[i].d;
    sumf += d * static_cast<float>(isum) - dmin * static_cast<float>(summs);
  }
  return sumf;
}

}  // namespace

float vec_dot_q4_K_q8_K(int64_t n, const void* w, const void* x) { return vec_dot_k4<BlockQ4_K, false>(n, w, x); }
float vec_dot_q5_K_q8_K(int64_t n, const void* w, const void* x) { return vec_dot_k4<BlockQ5_K, true>(n, w, x); }

float vec_dot_q6_K_q8_K(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ6_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int dot[16] = {};  // per sub-block of 16
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = a[i].ql + 64 * h;
      const uint8_t* qh = a[i].qh + 32 * h;
      const int8_t* q8 = b[i].qs + 128 * h;
      // Weight 128h + 32k + l: low nibble of ql[l + 32(k&1)] (high nibble for k >= 2), bits 2k of qh[l].
      for (int l = 0; l < 32; ++l) {
        const int q1 = ((ql[l] & 0xf) | ((qh[l] >> 0) & 3) << 4) - 32;
        const int q2 = ((ql[l + 32] & 0xf) | ((qh[l] >> 2) & 3) << 4) - 32;
        const int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
        const int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
        const int sb = 8 * h + l / 16;
        dot[sb + 0] += q8[l] * q1;
        dot[sb + 2] += q8[l + 32] * q2;
        dot[sb + 4] += q8[l + 64] * q3;
        dot[sb + 6] += q8[l + 96] * q4;
      }
    }
    int isum = 0;
    for (int sb = 0; sb < 16; ++sb) isum += a[i].scales[sb] * dot[sb];
    const float d = fp16_to_fp32(a[i].d) * b[i].d;
    sumf += d * static_cast<float>(isum);
  }
  return sumf;
}

float vec_dot_iq4_xs_q8_K(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockIQ4_XS*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d4d8 = fp16_to_fp32(a[i].d) * b[i].d;
    for (int ib = 0; ib < 8; ++ib) {
      const uint8_t* qs = a[i].qs + 16 * ib;
      const int8_t* q8 = b[i].qs + 32 * ib;
      int sumi = 0;
      for (int j = 0; j < 16; ++j) {
        sumi += q8[j] * kIq4nlValues[qs[j] & 0xf];
        sumi += q8[j + 16] * kIq4nlValues[qs[j] >> 4];
      }
      sumf += d4d8 * static_cast<float>(iq4_xs_scale(a[i], ib)) * static_cast<float>(sumi);
    }
  }
  return sumf;
}

}  // namespace heft::kernels
