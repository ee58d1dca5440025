// gtest's main, plus `--targets`: prints the SIMD targets this CPU runs, one
// line, so scripts/aarch64-kernels can check the detection under each qemu CPU.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "kernels/simd.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--targets") == 0) {
    const char* sep = "";
    for (auto t : heft::kernels::simd_supported()) {
      std::printf("%s%s", sep, heft::kernels::simd_name(t).data());
      sep = " ";
    }
    std::printf("\n");
    return 0;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
