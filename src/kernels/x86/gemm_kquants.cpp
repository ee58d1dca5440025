// Q4_K / Q5_K / Q6_K kernels (gemm_kquants-inl.h), compiled for AVX2,
// AVX-VNNI, AVX-512 and AVX-512 VNNI, as gemm_legacy.cpp.
#include "kernels/gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/quant_rows.h"
#include "kernels/x86/act_layout.h"
#include "kernels/x86/target.h"

namespace heft::kernels {

#define HEFT_KERNEL_SOURCE "kernels/x86/gemm_kquants-inl.h"
#include "kernels/x86/each_target-inl.h"
#undef HEFT_KERNEL_SOURCE

const Gemm* detail::gemm_x86_kquants(formats::GgmlType type, SimdTarget target) {
  switch (target) {
    case SimdTarget::Avx2: return avx2::kquant_gemm(type);
    case SimdTarget::AvxVnni: return avxvnni::kquant_gemm(type);
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
