#pragma once
// CPU features established by trying them: cpuid (or AT_HWCAP) can report an
// instruction set that a virtual machine or the kernel does not let a process
// use (llama.cpp's AMX path crashes on such machines). Each probe runs one
// instruction of the set under a SIGILL/SIGSEGV guard.
#include <string>

namespace heft::kernels {

// Runs probe() and says whether it finished without an illegal-instruction
// or segmentation fault. Restores the previous signal handlers either way.
// The handlers are process-wide: call it from one thread at a time (heft
// probes once, inside simd_supported()'s static initialisation).
bool instruction_runs(void (*probe)());

// x86 sets the dispatcher can use; all false elsewhere.
struct X86Probe {
  bool avx2 = false;        // AVX2 + FMA + F16C
  bool avx_vnni = false;    // VEX vpdpbusd (cpuid 7.1 EAX bit 4)
  bool avx512 = false;      // F/BW/DQ/VL
  bool avx512_vnni = false;
};
// avx2_reported / avx512_reported: Highway's detection (cpuid and the OS's saved state).
X86Probe probe_x86(bool avx2_reported, bool avx512_reported);

// AArch64: the dot-product extension (sdot), reported by AT_HWCAP and tried.
bool neon_dotprod_runs();

// AMX: whether cpuid reports tiles, the kernel grants the tile state
// (arch_prctl ARCH_REQ_XCOMP_PERM) and a tile instruction runs. heft has no
// AMX kernels yet; `heft inspect --system` reports this line.
std::string amx_status();

}  // namespace heft::kernels
