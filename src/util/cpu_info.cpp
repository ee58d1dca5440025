#include "util/cpu_info.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string_view>
#include <thread>

namespace heft::util {

bool CpuInfo::has(std::string_view f) const {
  return std::find(features.begin(), features.end(), f) != features.end();
}

namespace {

CpuInfo detect() {
  CpuInfo info;
#if defined(__x86_64__)
  info.arch = "x86_64";
  __builtin_cpu_init();
  struct Feature {
    const char* name;
    bool present;
  };
  const Feature feats[] = {
      {"sse4.2", bool(__builtin_cpu_supports("sse4.2"))},
      {"avx", bool(__builtin_cpu_supports("avx"))},
      {"avx2", bool(__builtin_cpu_supports("avx2"))},
      {"fma", bool(__builtin_cpu_supports("fma"))},
      {"f16c", bool(__builtin_cpu_supports("f16c"))},
      {"avx512f", bool(__builtin_cpu_supports("avx512f"))},
      {"avx512bw", bool(__builtin_cpu_supports("avx512bw"))},
      {"avx512vl", bool(__builtin_cpu_supports("avx512vl"))},
      {"avx512dq", bool(__builtin_cpu_supports("avx512dq"))},
      {"avx512vnni", bool(__builtin_cpu_supports("avx512vnni"))},
      {"avx512bf16", bool(__builtin_cpu_supports("avx512bf16"))},
      {"avxvnni", bool(__builtin_cpu_supports("avxvnni"))},
  };
  for (const auto& f : feats)
    if (f.present) info.features.emplace_back(f.name);
#elif defined(__aarch64__)
  info.arch = "aarch64";
  info.features.emplace_back("neon");
#else
  info.arch = "unknown";
#endif
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.starts_with("model name") || line.starts_with("Model") || line.starts_with("Hardware")) {
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        info.model = line.substr(colon + 1);
        info.model.erase(0, info.model.find_first_not_of(" \t"));
        break;
      }
    }
#if defined(__x86_64__)
    if (line.starts_with("flags") && line.find(" amx_tile") != std::string::npos && !info.has("amx"))
      info.features.emplace_back("amx");
#endif
  }
  info.logical_cores = std::max(1u, std::thread::hardware_concurrency());
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) info.memory_bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
  return info;
}

}  // namespace

const CpuInfo& cpu_info() {
  static const CpuInfo info = detect();
  return info;
}

}  // namespace heft::util
