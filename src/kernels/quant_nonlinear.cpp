// Dequantizers for the codebook and ternary types heft reads but does not
// write: IQ4_NL, IQ4_XS, MXFP4 (4-bit lookup tables) and TQ1_0, TQ2_0
// (ternary). Same float operations as ggml's dequantize_row_*.
#include <bit>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/quant_nonlinear.h"
#include "kernels/quant_rows.h"

namespace heft::kernels {

float e8m0_to_fp32_half(uint8_t e) {
  // 2^(e-128): e < 2 gives a subnormal float.
  const uint32_t bits = e < 2 ? 0x00200000u << e : static_cast<uint32_t>(e - 1) << 23;
  return std::bit_cast<float>(bits);
}

int iq4_xs_scale(const BlockIQ4_XS& b, int ib) {
  return (((b.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | ((b.scales_h >> 2 * ib) & 3) << 4) - 32;
}

void dequantize_row_iq4_nl(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_NL*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>(kIq4nlValues[x[i].qs[j] & 0xf]);
      y[j + kQK / 2] = d * static_cast<float>(kIq4nlValues[x[i].qs[j] >> 4]);
    }
  }
}

void dequantize_row_iq4_xs(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_XS*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    const uint8_t* qs = x[i].qs;
    for (int ib = 0; ib < 8; ++ib, y += 32, qs += 16) {
      const float dl = d * static_cast<float>(iq4_xs_scale(x[i], ib));
      for (int j = 0; j < 16; ++j) {
        y[j] = dl * static_cast<float>(kIq4nlValues[qs[j] & 0xf]);
        y[j + 16] = dl * static_cast<float>(kIq4nlValues[qs[j] >> 4]);
      }
    }
  }
}

void dequantize_row_mxfp4(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockMXFP4*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = e8m0_to_fp32_half(x[i].e);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = static_cast<float>(kFp4Values[x[i].qs[j] & 0xf]) * d;
      y[j + kQK / 2] = static_cast<float>(kFp4Values[x[i].qs[j] >> 4]) * d;
    }
  }
}

namespace {

// Trit n (0..4) of a base-3 fixed-point byte: the integer part of 3 * frac.
float trit(uint8_t byte, int n) {
  static constexpr uint8_t kPow3[5] = {1, 3, 9, 27, 81};
  const auto q = static_cast<uint8_t>(byte * kPow3[n]);
  return static_cast<float>(((q * 3) >> 8) - 1);
}

}  // namespace

void dequantize_row_tq1_0(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockTQ1_0*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    // qs[0..31]: 5 trits each, trit-major; qs[32..47] likewise; then qh: 4 trits each.
    for (int nt = 0; nt < 5; ++nt)
      for (int m = 0; m < 32; ++m) *y++ = trit(x[i].qs[m], nt) * d;
    for (int nt = 0; nt < 5; ++nt)
      for (int m = 32; m < 48; ++m) *y++ = trit(x[i].qs[m], nt) * d;
    for (int nt = 0; nt < 4; ++nt)
      for (int j = 0; j < 4; ++j) *y++ = trit(x[i].qh[j], nt) * d;
  }
}

void dequantize_row_tq2_0(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockTQ2_0*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 64; j += 32)
      for (int l = 0; l < 4; ++l)
        for (int m = 0; m < 32; ++m) *y++ = static_cast<float>(((x[i].qs[j + m] >> (2 * l)) & 3) - 1) * d;
  }
}

}  // namespace heft::kernels
