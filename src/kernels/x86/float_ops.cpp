// Attention head and SwiGLU (kernels/float_kernels-inl.h) and the F32/F16/BF16
// matrix kernels (kernels/gemm_float-inl.h) on x86's V16 (x86/v16-inl.h),
// compiled for AVX2 and AVX-512
// (one source per instruction set, as gemm_legacy.cpp explains).
#include "kernels/float_ops.h"

#include "kernels/gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/ggml_order.h"
#include "kernels/x86/target.h"

// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_* operands of
// conversions) when they are inlined here; the values are fully defined.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace heft::kernels {

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt")
namespace avx2 {
#define HEFT_AVX512 0
#include "kernels/x86/v16-inl.h"
#include "kernels/float_kernels-inl.h"
#include "kernels/gemm_float-inl.h"
#undef HEFT_AVX512
}  // namespace avx2
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt,avx512f,avx512vl,avx512dq,avx512bw")
namespace avx512 {
#define HEFT_AVX512 1
#include "kernels/x86/v16-inl.h"
#include "kernels/float_kernels-inl.h"
#include "kernels/gemm_float-inl.h"
#undef HEFT_AVX512
}  // namespace avx512
HEFT_TARGET_END

detail::FloatOps detail::float_ops_x86(SimdTarget target) {
  switch (target) {
    case SimdTarget::Avx2:
    case SimdTarget::AvxVnni: return {avx2::attention_head, avx2::swiglu};
    case SimdTarget::Avx512:
    case SimdTarget::Avx512Vnni: return {avx512::attention_head, avx512::swiglu};
    default: return {};
  }
}

const Gemm* detail::gemm_x86_float(formats::GgmlType type, SimdTarget target) {
  switch (target) {
    case SimdTarget::Avx2: return avx2::float_gemm<SimdTarget::Avx2>(type);
    case SimdTarget::AvxVnni: return avx2::float_gemm<SimdTarget::AvxVnni>(type);
    case SimdTarget::Avx512: return avx512::float_gemm<SimdTarget::Avx512>(type);
    case SimdTarget::Avx512Vnni: return avx512::float_gemm<SimdTarget::Avx512Vnni>(type);
    default: return nullptr;
  }
}

}  // namespace heft::kernels

#else

namespace heft::kernels {
detail::FloatOps detail::float_ops_x86(SimdTarget) { return {}; }
const Gemm* detail::gemm_x86_float(formats::GgmlType, SimdTarget) { return nullptr; }
}  // namespace heft::kernels

#endif
