// Q4_0 / Q5_0 / Q8_0 kernels (gemm_legacy-inl.h), compiled for AVX2,
// AVX-VNNI, AVX-512 and AVX-512 VNNI.
//
// One source per instruction set: each_target-inl.h compiles the -inl.h once
// per target, in namespaces avx2 / avx512 / avx512vnni.
// Highway's own AVX3_DL target is not used for this: its target string
// enables AVX-VNNI (VEX encoding, absent on Zen 4 and Ice Lake) rather than
// AVX512-VNNI, and Highway 1.0.3 has no op for vpdpbusd.
#include "kernels/gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/fp16.h"
#include "kernels/x86/act_layout.h"
#include "kernels/x86/target.h"

namespace heft::kernels {

#define HEFT_KERNEL_SOURCE "kernels/x86/gemm_legacy-inl.h"
#include "kernels/x86/each_target-inl.h"
#undef HEFT_KERNEL_SOURCE

const Gemm* detail::gemm_x86_legacy(formats::GgmlType type, SimdTarget target) {
  switch (target) {
    case SimdTarget::Avx2: return avx2::legacy_gemm(type);
    case SimdTarget::AvxVnni: return avxvnni::legacy_gemm(type);
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
