// Included by an x86 kernel source inside namespace heft::kernels, after it
// defines HEFT_KERNEL_SOURCE as the quoted path of its -inl.h: compiles
// common-inl.h and that source once per x86 target, in namespaces avx2,
// avxvnni, avx512 and avx512vnni, each under its instruction set (target.h),
// with HEFT_AVX512 and HEFT_VNNI saying which instructions the code may use
// (HEFT_VNNI without HEFT_AVX512: AVX-VNNI, the VEX encoding of Alder Lake and
// Sapphire Rapids; with it: AVX-512 VNNI).
// Highway's runtime detection (kernels/simd.cpp) picks the one that runs.

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt")
namespace avx2 {
#define HEFT_AVX512 0
#define HEFT_VNNI 0
constexpr SimdTarget kTarget = SimdTarget::Avx2;
#include "kernels/x86/common-inl.h"
#include HEFT_KERNEL_SOURCE
#undef HEFT_AVX512
#undef HEFT_VNNI
}  // namespace avx2
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt,avxvnni")
namespace avxvnni {
#define HEFT_AVX512 0
#define HEFT_VNNI 1
constexpr SimdTarget kTarget = SimdTarget::AvxVnni;
#include "kernels/x86/common-inl.h"
#include HEFT_KERNEL_SOURCE
#undef HEFT_AVX512
#undef HEFT_VNNI
}  // namespace avxvnni
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,fma,f16c,bmi,bmi2,popcnt,lzcnt,avx512f,avx512vl,avx512dq,avx512bw")
namespace avx512 {
#define HEFT_AVX512 1
#define HEFT_VNNI 0
constexpr SimdTarget kTarget = SimdTarget::Avx512;
#include "kernels/x86/common-inl.h"
#include HEFT_KERNEL_SOURCE
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
#include HEFT_KERNEL_SOURCE
#undef HEFT_AVX512
#undef HEFT_VNNI
}  // namespace avx512vnni
HEFT_TARGET_END
