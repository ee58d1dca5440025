#include "kernels/simd.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kernels/cpu_probe.h"

#if defined(__x86_64__)
#include <hwy/targets.h>
#endif

namespace heft::kernels {

namespace {

constexpr SimdTarget kAll[] = {SimdTarget::Scalar, SimdTarget::Avx2, SimdTarget::AvxVnni, SimdTarget::Avx512,
                               SimdTarget::Avx512Vnni, SimdTarget::Neon, SimdTarget::NeonDotprod};

std::string all_names() {
  std::string s;
  for (SimdTarget t : kAll) s += (s.empty() ? "" : ", ") + std::string(simd_name(t));
  return s;
}

}  // namespace

std::string_view simd_name(SimdTarget t) {
  switch (t) {
    case SimdTarget::Scalar: return "scalar";
    case SimdTarget::Avx2: return "avx2";
    case SimdTarget::AvxVnni: return "avxvnni";
    case SimdTarget::Avx512: return "avx512";
    case SimdTarget::Avx512Vnni: return "avx512vnni";
    case SimdTarget::Neon: return "neon";
    case SimdTarget::NeonDotprod: return "neondotprod";
  }
  return "?";
}

std::optional<SimdTarget> parse_simd(std::string_view name) {
  for (SimdTarget t : kAll)
    if (simd_name(t) == name) return t;
  return std::nullopt;
}

const std::vector<SimdTarget>& simd_supported() {
  static const std::vector<SimdTarget> list = [] {
    std::vector<SimdTarget> v{SimdTarget::Scalar};
#if defined(__x86_64__)
    const int64_t bits = hwy::SupportedTargets();
    const X86Probe p = probe_x86(bits & HWY_AVX2, bits & HWY_AVX3);
    if (p.avx2) v.push_back(SimdTarget::Avx2);
    if (p.avx_vnni) v.push_back(SimdTarget::AvxVnni);
    if (p.avx512) v.push_back(SimdTarget::Avx512);
    if (p.avx512_vnni) v.push_back(SimdTarget::Avx512Vnni);
#elif defined(__aarch64__)
    v.push_back(SimdTarget::Neon);
    if (neon_dotprod_runs()) v.push_back(SimdTarget::NeonDotprod);
#endif
    return v;
  }();
  return list;
}

bool simd_supports(SimdTarget t) {
  const auto& v = simd_supported();
  return std::find(v.begin(), v.end(), t) != v.end();
}

namespace {
std::atomic<int> forced{-1};  // ScopedSimdTarget's choice, or -1
}  // namespace

ScopedSimdTarget::ScopedSimdTarget(SimdTarget target) : previous_(forced.exchange(static_cast<int>(target))) {}
ScopedSimdTarget::~ScopedSimdTarget() { forced.store(previous_); }

SimdTarget simd_target() {
  if (const int f = forced.load(std::memory_order_relaxed); f >= 0) return static_cast<SimdTarget>(f);
  static const SimdTarget chosen = [] {
    SimdTarget best = simd_supported().back();
    if (const char* env = std::getenv("HEFT_SIMD"); env && *env) {
      auto want = parse_simd(env);
      if (!want) std::fprintf(stderr, "heft: HEFT_SIMD=%s is not one of %s; ignored\n", env, all_names().c_str());
      else if (simd_supports(*want)) best = *want;
      else std::fprintf(stderr, "heft: HEFT_SIMD=%s is not supported by this CPU; using %s\n", env, simd_name(best).data());
    }
    return best;
  }();
  return chosen;
}

}  // namespace heft::kernels
