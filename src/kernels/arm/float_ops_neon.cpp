// Attention head and SwiGLU (kernels/float_kernels-inl.h) and the F32/F16/BF16
// matrix kernels (kernels/gemm_float-inl.h) on AArch64's V16 (arm/v16-inl.h):
// the same sources as on x86, so the same bit-identical results. One copy
// serves both ARM targets (no dot-product instructions in float code).
#include "kernels/float_ops.h"

#include "kernels/gemm.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/ggml_order.h"

namespace heft::kernels {

namespace neon_float {
#include "kernels/arm/v16-inl.h"
#include "kernels/float_kernels-inl.h"
#include "kernels/gemm_float-inl.h"
}  // namespace neon_float

detail::FloatOps detail::float_ops_arm(SimdTarget target) {
  switch (target) {
    case SimdTarget::Neon:
    case SimdTarget::NeonDotprod: return {neon_float::attention_head, neon_float::swiglu};
    default: return {};
  }
}

const Gemm* detail::gemm_arm_float(formats::GgmlType type, SimdTarget target) {
  switch (target) {
    case SimdTarget::Neon: return neon_float::float_gemm<SimdTarget::Neon>(type);
    case SimdTarget::NeonDotprod: return neon_float::float_gemm<SimdTarget::NeonDotprod>(type);
    default: return nullptr;
  }
}

}  // namespace heft::kernels

#else

namespace heft::kernels {
detail::FloatOps detail::float_ops_arm(SimdTarget) { return {}; }
const Gemm* detail::gemm_arm_float(formats::GgmlType, SimdTarget) { return nullptr; }
}  // namespace heft::kernels

#endif
