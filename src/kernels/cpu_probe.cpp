#include "kernels/cpu_probe.h"

#include <csetjmp>
#include <csignal>
#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif
#endif

#include "kernels/x86/target.h"

// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_* operands) when inlined; see float_ops.cpp.
#if defined(__x86_64__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace heft::kernels {

namespace {

thread_local sigjmp_buf* g_probe_jump = nullptr;  // the handler runs on the faulting thread

void on_probe_fault(int) { siglongjmp(*g_probe_jump, 1); }

// The probes write through a volatile sink so that the instruction is executed.
volatile int g_sink;

}  // namespace

bool instruction_runs(void (*probe)()) {
  struct sigaction guard {}, old_ill{}, old_segv{};
  guard.sa_handler = on_probe_fault;
  sigemptyset(&guard.sa_mask);
  sigaction(SIGILL, &guard, &old_ill);
  sigaction(SIGSEGV, &guard, &old_segv);
  sigjmp_buf jump;
  g_probe_jump = &jump;
  volatile bool ran = false;  // volatile: its value must survive the siglongjmp
  if (sigsetjmp(jump, 1) == 0) {
    probe();
    ran = true;
  }
  sigaction(SIGILL, &old_ill, nullptr);
  sigaction(SIGSEGV, &old_segv, nullptr);
  g_probe_jump = nullptr;
  return ran;
}

#if defined(__x86_64__)

namespace {

HEFT_TARGET_BEGIN("avx2,fma,f16c")
void try_avx2() {
  const __m256i a = _mm256_set1_epi8(static_cast<char>(g_sink + 3));
  const __m256 f = _mm256_fmadd_ps(_mm256_set1_ps(1.5f), _mm256_cvtph_ps(_mm_set1_epi16(0x3c00)), _mm256_setzero_ps());
  g_sink = _mm256_extract_epi32(_mm256_maddubs_epi16(a, a), 0) + static_cast<int>(_mm256_cvtss_f32(f));
}
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,avxvnni")
void try_avx_vnni() {
  const __m256i a = _mm256_set1_epi8(static_cast<char>(g_sink + 3));
  g_sink = _mm256_extract_epi32(_mm256_dpbusd_avx_epi32(a, a, a), 0);
}
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,avx512f,avx512bw,avx512dq,avx512vl")
void try_avx512() {
  const __m512i a = _mm512_set1_epi16(static_cast<short>(g_sink + 3));
  alignas(64) int32_t out[16];
  _mm512_store_si512(out, _mm512_madd_epi16(a, a));
  g_sink = out[0] + static_cast<int>(_mm512_cmpeq_epi8_mask(a, a) & 1) + static_cast<int>(_mm256_cmpeq_epi32_mask(_mm512_castsi512_si256(a), _mm512_castsi512_si256(a)));
}
HEFT_TARGET_END

HEFT_TARGET_BEGIN("avx2,avx512f,avx512bw,avx512vl,avx512vnni")
void try_avx512_vnni() {
  const __m256i a = _mm256_set1_epi8(static_cast<char>(g_sink + 3));
  g_sink = _mm256_extract_epi32(_mm256_dpbusd_epi32(a, a, a), 0);
}
HEFT_TARGET_END

enum CpuidReg { kEax, kEbx, kEcx, kEdx };

// Bit `bit` of register `reg` of cpuid leaf 7, sub-leaf `sub`.
bool cpuid7_bit(unsigned sub, CpuidReg reg, int bit) {
  unsigned r[4];
  if (!__get_cpuid_count(7, sub, &r[kEax], &r[kEbx], &r[kEcx], &r[kEdx])) return false;
  return (r[reg] >> bit) & 1;
}

HEFT_TARGET_BEGIN("amx-tile")
void try_amx_tile() {
  alignas(64) unsigned char config[64] = {};
  config[0] = 1;                          // palette 1
  config[16] = 64;                        // tile 0: 64 bytes per row
  config[48] = 1;                         // tile 0: 1 row
  _tile_loadconfig(config);
  _tile_zero(0);
  _tile_release();
  g_sink = 1;
}
HEFT_TARGET_END

}  // namespace

X86Probe probe_x86(bool avx2_reported, bool avx512_reported) {
  X86Probe p;
  p.avx2 = avx2_reported && instruction_runs(try_avx2);
  // AVX-VNNI needs the OS to save the AVX state, which avx2_reported (Highway: cpuid + XCR0) covers.
  p.avx_vnni = p.avx2 && cpuid7_bit(1, kEax, 4) && instruction_runs(try_avx_vnni);
  p.avx512 = p.avx2 && avx512_reported && instruction_runs(try_avx512);
  // cpuid's own bit rather than Highway's AVX3_DL, which also asks for VBMI2, GFNI... (absent on Cascade Lake).
  p.avx512_vnni = p.avx512 && cpuid7_bit(0, kEcx, 11) && instruction_runs(try_avx512_vnni);
  return p;
}

std::string amx_status() {
  if (!cpuid7_bit(0, kEdx, 24)) return "not reported by this CPU";
  constexpr long kReqXcompPerm = 0x1023, kXfeatureTileData = 18;  // arch/x86/include/uapi/asm/prctl.h
  if (syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureTileData) != 0) return "reported, but the kernel refuses the tile state (arch_prctl)";
  if (!instruction_runs(try_amx_tile)) return "reported, but tile instructions fault here";
  return "usable (no AMX kernels in heft yet: the AVX-512 kernels run)";
}

#else

X86Probe probe_x86(bool, bool) { return {}; }
std::string amx_status() { return "not an x86-64 CPU"; }

#endif

#if defined(__aarch64__)

namespace {

#if defined(__clang__)
__attribute__((target("dotprod")))
#else
__attribute__((target("arch=armv8.2-a+dotprod")))
#endif
void try_sdot() {
  const int8x16_t a = vdupq_n_s8(static_cast<int8_t>(g_sink + 3));
  g_sink = vgetq_lane_s32(vdotq_s32(vdupq_n_s32(0), a, a), 0);
}

}  // namespace

bool neon_dotprod_runs() {
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
  if (!(getauxval(AT_HWCAP) & HWCAP_ASIMDDP)) return false;
#endif
  return instruction_runs(try_sdot);
}

#else

bool neon_dotprod_runs() { return false; }

#endif

}  // namespace heft::kernels
