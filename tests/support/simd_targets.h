#pragma once
// Runs a check under every SIMD target this machine runs (scalar first): the
// kernels in this process (kernels::ScopedSimdTarget) and heft processes the
// test starts (HEFT_SIMD in the environment) both use that target, and a
// failure names it. Tests that compare numbers with a reference go through
// here, so a pass on an AVX-512 machine also proves AVX2 and scalar.
#include <functional>
#include <string>
#include <vector>

#include "kernels/simd.h"

namespace heft::test {

std::vector<kernels::SimdTarget> simd_targets();
void for_each_simd_target(const std::function<void(kernels::SimdTarget)>& check);

}  // namespace heft::test
