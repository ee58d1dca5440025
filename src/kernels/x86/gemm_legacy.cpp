// Q4_0 / Q5_0 / Q8_0 kernels (gemm_legacy-inl.h), compiled for AVX2,
// AVX-512 and AVX-512 VNNI.
//
// One source per instruction set: the -inl.h is included three times, in
// namespaces avx2 / avx512 / avx512vnni, under HEFT_TARGET_BEGIN (target.h) for that
// set, with HEFT_AVX512 and HEFT_VNNI saying which instructions it may use.
// Highway's runtime detection (kernels/simd.cpp) picks the one that runs.
// Highway's own AVX3_DL target is not used for this: its target string
// enables AVX-VNNI (VEX encoding, absent on Zen 4 and Ice Lake) rather than
// AVX512-VNNI, and Highway 1.0.3 has no op for vpdpbusd.
#include "kernels/gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/x86/act_layout.h"
#include "kernels/x86/target.h"

namespace heft::kernels {

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt")
namespace avx2 {
#define HEFT_AVX512 0
#define HEFT_VNNI 0
constexpr SimdTarget kTarget = SimdTarget::Avx2;
#include "kernels/x86/common-inl.h"
#include "kernels/x86/gemm_legacy-inl.h"
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
#include "kernels/x86/gemm_legacy-inl.h"
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
#include "kernels/x86/gemm_legacy-inl.h"
#undef HEFT_AVX512
#undef HEFT_VNNI
}  // namespace avx512vnni
HEFT_TARGET_END

const Gemm* detail::gemm_x86_legacy(formats::GgmlType type, SimdTarget target) {
  switch (target) {
    case SimdTarget::Avx2: return avx2::legacy_gemm(type);
    case SimdTarget::Avx512: return avx512::legacy_gemm(type);
    case SimdTarget::Avx512Vnni: return avx512vnni::legacy_gemm(type);
    default: return nullptr;
  }
}

}  // namespace heft::kernels

#else

namespace heft::kernels {
const Gemm* detail::gemm_x86_legacy(formats::GgmlType, SimdTarget) { return nullptr; }
}  // namespace heft::kernels

#endif
