#include "kernels/simd.h"

#include <hwy/targets.h>

#include <cstdio>
#include <cstdlib>

namespace heft::kernels {

std::string_view simd_name(SimdTarget t) {
  switch (t) {
    case SimdTarget::Scalar: return "scalar";
    case SimdTarget::Avx2: return "avx2";
    case SimdTarget::Avx512: return "avx512";
    case SimdTarget::Avx512Vnni: return "avx512vnni";
  }
  return "?";
}

std::optional<SimdTarget> parse_simd(std::string_view name) {
  for (SimdTarget t : {SimdTarget::Scalar, SimdTarget::Avx2, SimdTarget::Avx512, SimdTarget::Avx512Vnni})
    if (simd_name(t) == name) return t;
  return std::nullopt;
}

const std::vector<SimdTarget>& simd_supported() {
  static const std::vector<SimdTarget> list = [] {
    std::vector<SimdTarget> v{SimdTarget::Scalar};
#if HWY_ARCH_X86
    const int64_t bits = hwy::SupportedTargets();
    if (bits & HWY_AVX2) v.push_back(SimdTarget::Avx2);
    if (bits & HWY_AVX3) v.push_back(SimdTarget::Avx512);
    if (bits & HWY_AVX3_DL) v.push_back(SimdTarget::Avx512Vnni);
#endif
    return v;
  }();
  return list;
}

SimdTarget simd_target() {
  static const SimdTarget chosen = [] {
    SimdTarget best = simd_supported().back();
    if (const char* env = std::getenv("HEFT_SIMD"); env && *env) {
      auto want = parse_simd(env);
      if (!want) std::fprintf(stderr, "heft: HEFT_SIMD=%s is not one of scalar, avx2, avx512, avx512vnni; ignored\n", env);
      else if (*want <= best) best = *want;
      else std::fprintf(stderr, "heft: HEFT_SIMD=%s is not supported by this CPU; using %s\n", env, simd_name(best).data());
    }
    return best;
  }();
  return chosen;
}

}  // namespace heft::kernels
