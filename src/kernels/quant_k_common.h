#pragma once
// Packing and requantization steps the k-quant reference quantizers
// (quant_k.cpp) and their importance-weighted variants (quant_imatrix.cpp)
// share, plus the scale unpacking the dot products use.
#include <cstdint>

#include "kernels/blocks.h"

namespace heft::kernels {

// L[256] in [0, 3] -> qs[64]: weight 128h + 32s + l at bits 2s of qs[32h + l] (Q2_K, Q3_K low bits).
void pack_2bit(const uint8_t* L, uint8_t* qs);

// Q2_K: recompute the 2-bit quants L[256] of x against the stored 4-bit scales/mins.
void requantize_q2_K(const float* x, const BlockQ2_K& b, uint8_t* L);

// Q3_K: sub-block j's signed 6-bit scale (in [-32, 31]) from the 12 packed bytes.
int q3_K_scale(const uint8_t* scales, int j);
// Stores biased scale l in [0, 63] for sub-block j (scales must start zeroed).
void pack_q3_K_scale(uint8_t* scales, int j, int l);
// Requantizes x against b.d and b.scales (L in [0, 7] on entry where a sub-block's
// scale is 0), then writes hmask and qs.
void finish_q3_K(const float* x, BlockQ3_K& b, int8_t* L);

// Q4_K/Q5_K: 6-bit scale *d and min *m of sub-block j (0..7) from the 12 packed bytes.
void get_scale_min_k4(int j, const uint8_t* q, uint8_t* d, uint8_t* m);
// Stores them (j < 4 must be packed before j + 4).
void pack_scale_min_k4(uint8_t* scales, int j, uint8_t ls, uint8_t lm);
// Recompute L[256] in [0, nmax] against the stored super-block scales and 6-bit scales/mins.
void requantize_k4(const float* x, uint16_t d, uint16_t dmin, const uint8_t* scales, int nmax, uint8_t* L);
void pack_q4_K(const uint8_t* L, uint8_t* qs);                // L in [0, 15]
void pack_q5_K(const uint8_t* L, uint8_t* qh, uint8_t* ql);   // L in [0, 31]

// Q6_K: from the 16 sub-block scales (max_scale: the one of largest magnitude),
// stores d and 8-bit scales, requantizes x and packs ql/qh.
void finish_q6_K(const float* x, BlockQ6_K& b, const float* scales, float max_scale, int8_t* L);

}  // namespace heft::kernels
