// Activation quantizers as ggml's x86 CPU backend runs them (ggml-cpu/arch/x86/
// quants.c, AVX/AVX2 path, which an AVX-512 build also takes). They differ from
// the reference weight quantizers: the inverse scale is 127/amax rather than
// 1/d, and rounding is the SIMD default, to nearest with ties to even
// (_mm256_round_ps), not roundf's ties away from zero.
#include <algorithm>
#include <cmath>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/quant_rows.h"
#include "kernels/quant_search.h"

namespace heft::kernels {

namespace {

struct Q8Block {
  float d;
  int sum;
};

// Shared body: fills qs[32], returns d and the sum of the quants.
Q8Block quantize_q8_block(const float* x, int8_t* qs) {
  float amax = 0;
  for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.f;
  const float id = amax != 0.0f ? 127.f / amax : 0.0f;
  int sum = 0;
  for (int j = 0; j < kQK; ++j) {
    // |x * id| <= 127, well inside nearest_int's exact range.
    const int q = nearest_int(x[j] * id);
    qs[j] = static_cast<int8_t>(q);
    sum += q;
  }
  return {d, sum};
}

}  // namespace

void quantize_row_q8_0_x86(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    int8_t qs[kQK];
    const Q8Block b = quantize_q8_block(x, qs);
    y[i].d = fp32_to_fp16(b.d);
    std::copy(qs, qs + kQK, y[i].qs);
  }
}

void quantize_row_q8_1_x86(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    int8_t qs[kQK];
    const Q8Block b = quantize_q8_block(x, qs);
    y[i].d = fp32_to_fp16(b.d);
    y[i].s = fp32_to_fp16(b.d * static_cast<float>(b.sum));  // from the fp32 d, as the AVX2 path does
    std::copy(qs, qs + kQK, y[i].qs);
  }
}

}  // namespace heft::kernels
