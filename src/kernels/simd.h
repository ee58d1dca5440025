#pragma once
// Which kernels run: the best SIMD target the CPU supports (x86: Highway's
// runtime detection, cpuid plus the OS's saved vector state; AArch64:
// AT_HWCAP; each then confirmed by running one of its instructions,
// kernels/cpu_probe.h), or the environment variable HEFT_SIMD's choice among
// the supported ones (scalar, avx2, avxvnni, avx512, avx512vnni, neon,
// neondotprod), so a user or a test can force a lower target. Scalar is the
// reference path every SIMD kernel is tested against.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace heft::kernels {

enum class SimdTarget : uint8_t {
  Scalar,      // kernels/vec_dot_ref.cpp and friends
  Avx2,        // AVX2 + FMA + F16C
  AvxVnni,     // AVX2 + AVX-VNNI (VEX vpdpbusd: Alder Lake, Sapphire Rapids)
  Avx512,      // AVX-512 F/BW/DQ/VL
  Avx512Vnni,  // + VNNI (vpdpbusd/vpdpwssd), VBMI2, BITALG... (Ice Lake, Zen 4)
  Neon,        // AArch64 Advanced SIMD (every AArch64 CPU)
  NeonDotprod, // + the dot-product extension (sdot: Armv8.2+, Apple M1, Graviton 2)
};

std::string_view simd_name(SimdTarget t);
std::optional<SimdTarget> parse_simd(std::string_view name);

// Every target this machine can run, Scalar first, best last.
const std::vector<SimdTarget>& simd_supported();
bool simd_supports(SimdTarget t);
// The target in use: the best supported, or HEFT_SIMD's choice if this machine runs it
// (or a ScopedSimdTarget's, while one is alive).
SimdTarget simd_target();

// For tests that run one computation under every target in one process: while
// alive, simd_target() returns `target` (which this CPU must run). Scope it
// around whole computations; contexts created inside use it throughout.
class ScopedSimdTarget {
 public:
  explicit ScopedSimdTarget(SimdTarget target);
  ~ScopedSimdTarget();
  ScopedSimdTarget(const ScopedSimdTarget&) = delete;
  ScopedSimdTarget& operator=(const ScopedSimdTarget&) = delete;

 private:
  int previous_;
};

}  // namespace heft::kernels
