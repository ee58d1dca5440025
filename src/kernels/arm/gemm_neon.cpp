// Kernels for the legacy (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) and k-quant (Q2_K ..
// Q6_K) types on AArch64 (gemm_neon-inl.h), compiled for plain NEON and for
// NEON with the dot-product extension; the dispatcher (kernels/simd.cpp) uses
// the second only where the CPU runs it. F32/F16/BF16: float_ops_neon.cpp.
#include "kernels/gemm.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/ggml_order.h"
#include "kernels/quant_k_common.h"

#if defined(__clang__)
#define HEFT_DOTPROD_BEGIN _Pragma("clang attribute push(__attribute__((target(\"dotprod\"))), apply_to = function)")
#define HEFT_DOTPROD_END _Pragma("clang attribute pop")
#else
#define HEFT_DOTPROD_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"arch=armv8.2-a+dotprod\")")
#define HEFT_DOTPROD_END _Pragma("GCC pop_options")
#endif

namespace heft::kernels {

namespace neon {
#define HEFT_DOTPROD 0
constexpr SimdTarget kTarget = SimdTarget::Neon;
#include "kernels/arm/gemm_neon-inl.h"
#undef HEFT_DOTPROD
}  // namespace neon

HEFT_DOTPROD_BEGIN
namespace neondotprod {
#define HEFT_DOTPROD 1
constexpr SimdTarget kTarget = SimdTarget::NeonDotprod;
#include "kernels/arm/gemm_neon-inl.h"
#undef HEFT_DOTPROD
}  // namespace neondotprod
HEFT_DOTPROD_END

const Gemm* detail::gemm_arm(formats::GgmlType type, SimdTarget target) {
  switch (target) {
    case SimdTarget::Neon: return neon::neon_gemm(type);
    case SimdTarget::NeonDotprod: return neondotprod::neon_gemm(type);
    default: return nullptr;
  }
}

}  // namespace heft::kernels

#else

namespace heft::kernels {
const Gemm* detail::gemm_arm(formats::GgmlType, SimdTarget) { return nullptr; }
}  // namespace heft::kernels

#endif
