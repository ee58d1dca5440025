#include "cli/system_info.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "kernels/cpu_probe.h"
#include "kernels/simd.h"
#include "util/cpu_info.h"
#include "util/json.h"

namespace heft::cli {

int print_system_info(bool json) {
  const auto& cpu = util::cpu_info();
  if (json) {
    util::Json o = util::Json::object();
    o.set("cpu", util::Json(cpu.model));
    o.set("arch", util::Json(cpu.arch));
    util::Json feats = util::Json::array();
    for (const auto& f : cpu.features) feats.push_back(util::Json(f));
    o.set("features", std::move(feats));
    o.set("logical_cores", util::Json(int64_t{cpu.logical_cores}));
    o.set("memory_bytes", util::Json(cpu.memory_bytes));
    o.set("simd", util::Json(std::string(kernels::simd_name(kernels::simd_target()))));
    util::Json targets = util::Json::array();
    for (auto t : kernels::simd_supported()) targets.push_back(util::Json(std::string(kernels::simd_name(t))));
    o.set("simd_supported", std::move(targets));
    o.set("amx", util::Json(kernels::amx_status()));
    fmt::print("{}\n", o.dump(2));
    return 0;
  }
  fmt::print("cpu:      {}\n", cpu.model.empty() ? "(unknown)" : cpu.model);
  fmt::print("arch:     {}\n", cpu.arch);
  fmt::print("features: {}\n", fmt::join(cpu.features, " "));
  fmt::print("cores:    {} logical\n", cpu.logical_cores);
  fmt::print("memory:   {:.1f} GiB\n", static_cast<double>(cpu.memory_bytes) / (1024.0 * 1024 * 1024));
  std::vector<std::string_view> targets;
  for (auto t : kernels::simd_supported()) targets.push_back(kernels::simd_name(t));
  fmt::print("kernels:  {} (this CPU runs: {}; HEFT_SIMD=NAME picks another of those)\n",
             kernels::simd_name(kernels::simd_target()), fmt::join(targets, " "));
  fmt::print("amx:      {}\n", kernels::amx_status());
  return 0;
}

}  // namespace heft::cli
