// Legacy 32-element block types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1: the
// reference quantizers (bit-exact with ggml's quantize_row_*_ref, which
// llama-quantize runs without --imatrix) and the dequantizers.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/quant_rows.h"

namespace heft::kernels {

namespace {

// Absolute max of a block and the signed value that has it (the first one on ties).
struct SignedMax {
  float amax = 0, max = 0;
};
SignedMax signed_max(const float* x, int n) {
  SignedMax m;
  for (int j = 0; j < n; ++j)
    if (m.amax < std::fabs(x[j])) {
      m.amax = std::fabs(x[j]);
      m.max = x[j];
    }
  return m;
}

// Float to integer by truncation, as C's (int8_t)(float) does for in-range values.
int trunc_int(float v) { return static_cast<int>(v); }

void store_qh(uint8_t* qh, uint32_t bits) {
  for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(bits >> (8 * k));
}
uint32_t load_qh(const uint8_t* qh) {
  return uint32_t{qh[0]} | uint32_t{qh[1]} << 8 | uint32_t{qh[2]} << 16 | uint32_t{qh[3]} << 24;
}

}  // namespace

// ---------------------------------------------------------------- quantize

void quantize_row_q4_0_ref(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ4_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const SignedMax m = signed_max(x, kQK);
    const float d = m.max / -8;  // the extreme value maps to q = 0 exactly
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, trunc_int(x[j] * id + 8.5f));
      const int q1 = std::min(15, trunc_int(x[j + kQK / 2] * id + 8.5f));
      y[i].qs[j] = static_cast<uint8_t>(q0 | q1 << 4);
    }
  }
}

void quantize_row_q4_1_ref(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ4_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 15;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, trunc_int((x[j] - min) * id + 0.5f));
      const int q1 = std::min(15, trunc_int((x[j + kQK / 2] - min) * id + 0.5f));
      y[i].qs[j] = static_cast<uint8_t>(q0 | q1 << 4);
    }
  }
}

void quantize_row_q5_0_ref(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ5_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const SignedMax m = signed_max(x, kQK);
    const float d = m.max / -16;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const auto q0 = static_cast<uint32_t>(std::min(31, trunc_int(x[j] * id + 16.5f)));
      const auto q1 = static_cast<uint32_t>(std::min(31, trunc_int(x[j + kQK / 2] * id + 16.5f)));
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0xf) | (q1 & 0xf) << 4);
      qh |= (q0 >> 4 & 1) << j;
      qh |= (q1 >> 4 & 1) << (j + kQK / 2);
    }
    store_qh(y[i].qh, qh);
  }
}

void quantize_row_q5_1_ref(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ5_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 31;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      // ggml has no clamp here: (x - min) * id <= 31 up to rounding.
      const auto q0 = static_cast<uint8_t>(trunc_int((x[j] - min) * id + 0.5f));
      const auto q1 = static_cast<uint8_t>(trunc_int((x[j + kQK / 2] - min) * id + 0.5f));
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0xf) | (q1 & 0xf) << 4);
      qh |= uint32_t(q0 >> 4 & 1) << j;
      qh |= uint32_t(q1 >> 4 & 1) << (j + kQK / 2);
    }
    store_qh(y[i].qh, qh);
  }
}

void quantize_row_q8_0_ref(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
  }
}

void quantize_row_q8_1_ref(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      y[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
      sum += y[i].qs[j];
    }
    y[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
  }
}

// ---------------------------------------------------------------- dequantize

void dequantize_row_q4_0(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = static_cast<float>((x[i].qs[j] & 0xf) - 8) * d;
      y[j + kQK / 2] = static_cast<float>((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_row_q4_1(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = fp16_to_fp32(x[i].d);
    const float m = fp16_to_fp32(x[i].m);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = static_cast<float>(x[i].qs[j] & 0xf) * d + m;
      y[j + kQK / 2] = static_cast<float>(x[i].qs[j] >> 4) * d + m;
    }
  }
}

void dequantize_row_q5_0(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ5_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = fp16_to_fp32(x[i].d);
    const uint32_t qh = load_qh(x[i].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int h0 = static_cast<int>(qh >> j & 1) << 4;
      const int h1 = static_cast<int>(qh >> (j + kQK / 2) & 1) << 4;
      y[j] = static_cast<float>(((x[i].qs[j] & 0xf) | h0) - 16) * d;
      y[j + kQK / 2] = static_cast<float>(((x[i].qs[j] >> 4) | h1) - 16) * d;
    }
  }
}

void dequantize_row_q5_1(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ5_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = fp16_to_fp32(x[i].d);
    const float m = fp16_to_fp32(x[i].m);
    const uint32_t qh = load_qh(x[i].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int h0 = static_cast<int>(qh >> j & 1) << 4;
      const int h1 = static_cast<int>(qh >> (j + kQK / 2) & 1) << 4;
      y[j] = static_cast<float>((x[i].qs[j] & 0xf) | h0) * d + m;
      y[j + kQK / 2] = static_cast<float>((x[i].qs[j] >> 4) | h1) * d + m;
    }
  }
}

void dequantize_row_q8_0(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ8_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

// ggml has no dequantize_row_q8_1 (it is an activation format); this is the
// same formula as Q8_0, the s field being redundant.
void dequantize_row_q8_1(const void* src, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ8_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, y += kQK) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

}  // namespace heft::kernels
