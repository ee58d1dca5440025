#pragma once
// Which kernels run: the best SIMD target the CPU supports (Highway's runtime
// detection: cpuid plus the OS's saved vector state), capped by the
// environment variable HEFT_SIMD=scalar|avx2|avx512|avx512vnni so a user or a
// test can force a lower target. Scalar is the reference path every SIMD
// kernel is tested against.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace heft::kernels {

enum class SimdTarget : uint8_t {
  Scalar,      // kernels/vec_dot_ref.cpp and friends
  Avx2,        // AVX2 + FMA + F16C
  Avx512,      // AVX-512 F/BW/DQ/VL
  Avx512Vnni,  // + VNNI (vpdpbusd/vpdpwssd), VBMI2, BITALG... (Ice Lake, Zen 4)
};

std::string_view simd_name(SimdTarget t);
std::optional<SimdTarget> parse_simd(std::string_view name);

// Every target this machine can run, Scalar first, best last.
const std::vector<SimdTarget>& simd_supported();
// The target in use: the best supported, or HEFT_SIMD's choice if it is lower.
SimdTarget simd_target();

}  // namespace heft::kernels
