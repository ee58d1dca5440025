// Compiles the code between HEFT_TARGET_BEGIN("isa,...") and HEFT_TARGET_END
// for that instruction set, whatever the file's -march: GCC by its target
// pragma, clang (which ignores that pragma) by applying the target attribute
// to every function in the region. The dispatcher only calls such code on a
// CPU that runs it (kernels/simd.cpp).
#pragma once

#define HEFT_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define HEFT_TARGET_BEGIN(isa) HEFT_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define HEFT_TARGET_END HEFT_PRAGMA(clang attribute pop)
#else
#define HEFT_TARGET_BEGIN(isa) HEFT_PRAGMA(GCC push_options) HEFT_PRAGMA(GCC target(isa))
#define HEFT_TARGET_END HEFT_PRAGMA(GCC pop_options)
#endif

// For small hot helpers of the decode kernels: GCC's size heuristics
// otherwise leave some out of line (a call per eight blocks, measured 7% on
// Q4_0 decode).
#define HEFT_HOT_INLINE inline __attribute__((always_inline))
