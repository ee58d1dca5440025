#include "support/simd_targets.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace heft::test {

std::vector<kernels::SimdTarget> simd_targets() { return kernels::simd_supported(); }

void for_each_simd_target(const std::function<void(kernels::SimdTarget)>& check) {
  const char* before = std::getenv("HEFT_SIMD");
  const std::string saved = before ? before : "";
  for (kernels::SimdTarget t : simd_targets()) {
    const std::string name(kernels::simd_name(t));
    SCOPED_TRACE("HEFT_SIMD=" + name);
    ::setenv("HEFT_SIMD", name.c_str(), 1);
    kernels::ScopedSimdTarget scoped(t);
    check(t);
  }
  if (before) ::setenv("HEFT_SIMD", saved.c_str(), 1);
  else ::unsetenv("HEFT_SIMD");
}

}  // namespace heft::test
