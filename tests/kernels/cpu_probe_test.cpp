// kernels/cpu_probe.h: features are established by running an instruction, so
// the guard must turn an illegal instruction into `false` and leave the
// process's signal handling as it was.
#include <gtest/gtest.h>

#include <csignal>

#include "kernels/cpu_probe.h"
#include "kernels/simd.h"

using namespace heft;

namespace {

void illegal_instruction() {
#if defined(__x86_64__)
  asm volatile("ud2");
#elif defined(__aarch64__)
  asm volatile(".inst 0x00000000");  // udf #0
#else
  std::raise(SIGILL);
#endif
}

void harmless() {}

}  // namespace

TEST(CpuProbe, AnIllegalInstructionIsReportedNotFatal) {
  EXPECT_FALSE(kernels::instruction_runs(illegal_instruction));
  EXPECT_TRUE(kernels::instruction_runs(harmless));
  EXPECT_FALSE(kernels::instruction_runs(illegal_instruction));  // the guard is installed afresh each time
}

TEST(CpuProbe, PreviousSignalHandlersAreRestored) {
  struct sigaction before {}, after {};
  sigaction(SIGILL, nullptr, &before);
  kernels::instruction_runs(illegal_instruction);
  sigaction(SIGILL, nullptr, &after);
  EXPECT_EQ(before.sa_handler, after.sa_handler);
}

TEST(CpuProbe, EverySupportedTargetWasTried) {
  // simd_supported() lists only targets whose probe instruction ran; the AMX line always says why.
  EXPECT_FALSE(kernels::amx_status().empty());
#if defined(__x86_64__)
  const auto p = kernels::probe_x86(true, true);
  EXPECT_EQ(p.avx2, kernels::simd_supports(kernels::SimdTarget::Avx2));
  EXPECT_EQ(p.avx512_vnni, kernels::simd_supports(kernels::SimdTarget::Avx512Vnni));
  const auto none = kernels::probe_x86(false, false);
  EXPECT_FALSE(none.avx2 || none.avx_vnni || none.avx512 || none.avx512_vnni);
#endif
}
