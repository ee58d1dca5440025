#include "kernels/gemm.h"

#include "kernels/quant.h"

namespace heft::kernels {

using formats::GgmlType;

size_t detail::scalar_act_bytes(GgmlType type, int64_t k) {
  const size_t b = *formats::row_bytes(vec_dot_type(type), static_cast<uint64_t>(k));
  return (b + 63) / 64 * 64;
}

void detail::scalar_quantize(GgmlType type, const float* x, uint8_t* dst, int64_t k) {
  quantize_activations(vec_dot_type(type), x, dst, k);
}

namespace {

void scalar_run(const GemmArgs& a) {
  auto dot = a.batch ? vec_dot_batch : vec_dot;
  for (int64_t r = a.r0; r < a.r1; ++r) {
    const uint8_t* row = a.w + static_cast<size_t>(r) * a.w_stride;
    for (int64_t t = 0; t < a.n; ++t) a.y[t * a.ldy + r] = dot(a.type, a.k, row, a.x + static_cast<size_t>(t) * a.x_stride);
  }
}

}  // namespace

const Gemm& detail::gemm_scalar() {
  static const Gemm g{detail::scalar_act_bytes, detail::scalar_quantize, scalar_run, SimdTarget::Scalar};
  return g;
}

const Gemm& gemm_for(GgmlType type, SimdTarget target) {
  if (target != SimdTarget::Scalar) {
    if (const Gemm* g = detail::gemm_x86_legacy(type, target)) return *g;
    if (const Gemm* g = detail::gemm_x86_kquants(type, target)) return *g;
    if (const Gemm* g = detail::gemm_x86_float(type, target)) return *g;
    if (const Gemm* g = detail::gemm_arm(type, target)) return *g;
    if (const Gemm* g = detail::gemm_arm_float(type, target)) return *g;
  }
  return detail::gemm_scalar();
}

}  // namespace heft::kernels
