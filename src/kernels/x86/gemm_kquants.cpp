// Q4_K / Q6_K kernels (gemm_kquants-inl.h), compiled for AVX2,
// AVX-512 and AVX-512 VNNI, as gemm_legacy.cpp.
#include "kernels/gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/quant_rows.h"
#include "kernels/x86/act_layout.h"
#include "kernels/x86/target.h"

namespace heft::kernels {

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt")
namespace avx2 {
#define HEFT_AVX512 0
#define HEFT_VNNI 0
constexpr SimdTarget kTarget = SimdTarget::Avx2;
#include "kernels/x86/common-inl.h"
#include "kernels/x86/gemm_kquants-inl.h"
#undef HEFT_AVX512
#undef HEFT_VNNI
}  // namespace avx2
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt,avx512f,avx512vl,avx512dq,avx512bw")
namespace avx512 {
#define HEFT_AVX512 1
#define HEFT_VNNI 0
constexpr SimdTarget kTarget = SimdTarget::Avx512;
#include "kernels/x86/common-inl.h"
#include "kernels/x86/gemm_kquants-inl.h"
#undef HEFT_AVX512
#undef HEFT_VNNI
}  // namespace avx512
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt,avx512f,avx512vl,avx512dq,avx512bw,avx512vnni")
namespace avx512vnni {
#define HEFT_AVX512 1
#define HEFT_VNNI 1
constexpr SimdTarget kTarget = SimdTarget::Avx512Vnni;
#include "kernels/x86/common-inl.h"
#include "kernels/x86/gemm_kquants-inl.h"
#undef HEFT_AVX512
#undef HEFT_VNNI
}  // namespace avx512vnni
HEFT_TARGET_END

const Gemm* detail::gemm_x86_kquants(formats::GgmlType type, SimdTarget target) {
  switch (target) {
    case SimdTarget::Avx2: return avx2::kquant_gemm(type);
    case SimdTarget::Avx512: return avx512::kquant_gemm(type);
    case SimdTarget::Avx512Vnni: return avx512vnni::kquant_gemm(type);
    default: return nullptr;
  }
}

}  // namespace heft::kernels

#else

namespace heft::kernels {
const Gemm* detail::gemm_x86_kquants(formats::GgmlType, SimdTarget) { return nullptr; }
}  // namespace heft::kernels

#endif
