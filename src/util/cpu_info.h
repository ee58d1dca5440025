#pragma once
// What this machine is: CPU model, SIMD features (as cpuid reports them),
// logical cores, memory.
#include <cstdint>
#include <string>
#include <vector>

namespace heft::util {

struct CpuInfo {
  std::string model;
  std::string arch;                    // "x86_64", "aarch64", ...
  std::vector<std::string> features;   // "avx2", "fma", "f16c", "avx512f", ...
  unsigned logical_cores = 1;
  uint64_t memory_bytes = 0;
  bool has(std::string_view feature) const;
};

const CpuInfo& cpu_info();

}  // namespace heft::util
