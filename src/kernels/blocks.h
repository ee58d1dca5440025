#pragma once
// Block layouts of the ggml quantized types, byte for byte as ggml-common.h
// stores them in GGUF files. Every struct is packed (alignment 1) because
// blocks sit at any byte offset inside a mapped file (an 18-byte Q4_0 block
// after an odd number of blocks is only 2-aligned, a row of a tensor may start
// anywhere): members are read through the packed type, never through a cast
// pointer to a wider type. Half-precision fields are raw IEEE binary16 bits.
//
// Element order: "weight j" is element j of the block (0-based, the order
// dequantize writes them).
#include <cstdint>

namespace heft::kernels {

inline constexpr int kQK = 32;    // elements per block of the legacy types (Q4_0 ... Q8_1, IQ4_NL, MXFP4)
inline constexpr int kQK_K = 256; // elements per super-block of the k-quants (and IQ4_XS, TQ*)

// Q4_0: w = d * (q - 8), q in [0, 15]. qs[j] holds weight j (low nibble) and weight j+16 (high nibble).
struct [[gnu::packed]] BlockQ4_0 {
  uint16_t d;       // fp16 scale
  uint8_t qs[16];   // (16) nibbles
};
static_assert(sizeof(BlockQ4_0) == 18);

// Q4_1: w = d * q + m, q in [0, 15]; nibble layout as Q4_0.
struct [[gnu::packed]] BlockQ4_1 {
  uint16_t d;       // fp16 scale
  uint16_t m;       // fp16 minimum
  uint8_t qs[16];   // (16) nibbles
};
static_assert(sizeof(BlockQ4_1) == 20);

// Q5_0: w = d * (q - 16), q in [0, 31]: low 4 bits as Q4_0, bit 4 of weight j
// is bit j of the little-endian 32-bit qh.
struct [[gnu::packed]] BlockQ5_0 {
  uint16_t d;       // fp16 scale
  uint8_t qh[4];    // (32 bits) fifth bits
  uint8_t qs[16];   // (16) low nibbles
};
static_assert(sizeof(BlockQ5_0) == 22);

// Q5_1: w = d * q + m, q in [0, 31]; bit layout as Q5_0.
struct [[gnu::packed]] BlockQ5_1 {
  uint16_t d;       // fp16 scale
  uint16_t m;       // fp16 minimum
  uint8_t qh[4];    // (32 bits) fifth bits
  uint8_t qs[16];   // (16) low nibbles
};
static_assert(sizeof(BlockQ5_1) == 24);

// Q8_0: w = d * q, q in [-127, 127] (weights and activations).
struct [[gnu::packed]] BlockQ8_0 {
  uint16_t d;       // fp16 scale
  int8_t qs[32];    // (32) quants
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q8_1: Q8_0 plus s = d * sum(qs) (activations for Q4_1/Q5_1: folds their minimum in).
struct [[gnu::packed]] BlockQ8_1 {
  uint16_t d;       // fp16 scale
  uint16_t s;       // fp16 d * sum(qs)
  int8_t qs[32];    // (32) quants
};
static_assert(sizeof(BlockQ8_1) == 36);

// Q2_K: 16 sub-blocks of 16. Weight 128*h + 32*s + l (h: half, s: shift 0..3,
// l: 0..31) is bits 2s..2s+1 of qs[32*h + l]; its sub-block is (128*h + 32*s + l) / 16.
// w = d * (scales[sb] & 15) * q - dmin * (scales[sb] >> 4).
struct [[gnu::packed]] BlockQ2_K {
  uint8_t scales[16];  // (16) 4-bit scale | 4-bit min << 4
  uint8_t qs[64];      // (256) 2-bit quants
  uint16_t d;          // fp16 super-block scale of the scales
  uint16_t dmin;       // fp16 super-block scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 84);

// Q3_K: 16 sub-blocks of 16, w = d * (sc - 32) * (q - 4 * !high), q 2 bits as Q2_K;
// high bit of weight j is bit j/32 of hmask[j % 32]. The 16 6-bit scales are packed
// in 12 bytes: low nibbles in scales[0..7] (sub-block j < 8 low nibble, j >= 8 high
// nibble of scales[j-8]), the top 2 bits in scales[8 + j%4] at bit 2*(j/4).
struct [[gnu::packed]] BlockQ3_K {
  uint8_t hmask[32];   // (256) high bits
  uint8_t qs[64];      // (256) low 2 bits
  uint8_t scales[12];  // (16) 6-bit scales, biased by 32
  uint16_t d;          // fp16 super-block scale
};
static_assert(sizeof(BlockQ3_K) == 110);

// Q4_K: 8 sub-blocks of 32, w = d * sc * q - dmin * m. Weight 64*p + l (l < 32) is
// the low nibble of qs[32*p + l], weight 64*p + 32 + l its high nibble. Scales and
// mins are 6-bit, packed in 12 bytes (see get_scale_min_k4 in quant_k.cpp).
struct [[gnu::packed]] BlockQ4_K {
  uint16_t d;          // fp16 super-block scale of the scales
  uint16_t dmin;       // fp16 super-block scale of the mins
  uint8_t scales[12];  // (8 + 8) 6-bit scales and mins
  uint8_t qs[128];     // (256) nibbles
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q5_K: Q4_K plus a fifth bit: bit 2p of qh[l] for weight 64*p + l, bit 2p+1 for 64*p + 32 + l.
struct [[gnu::packed]] BlockQ5_K {
  uint16_t d;          // fp16 super-block scale of the scales
  uint16_t dmin;       // fp16 super-block scale of the mins
  uint8_t scales[12];  // (8 + 8) 6-bit scales and mins
  uint8_t qh[32];      // (256) fifth bits
  uint8_t qs[128];     // (256) low nibbles
};
static_assert(sizeof(BlockQ5_K) == 176);

// Q6_K: 16 sub-blocks of 16, w = d * scales[sb] * (q - 32), q 6 bits. In each half h
// (128 weights), weight 128h + 32k + l (k 0..3, l < 32) has its low nibble in
// ql[64h + l + 32*(k&1)] (k < 2: low nibble, else high) and its top 2 bits at
// bit 2k of qh[32h + l].
struct [[gnu::packed]] BlockQ6_K {
  uint8_t ql[128];     // (256) low nibbles
  uint8_t qh[64];      // (256) high 2 bits
  int8_t scales[16];   // (16) 8-bit signed scales
  uint16_t d;          // fp16 super-block scale
};
static_assert(sizeof(BlockQ6_K) == 210);

// Q8_K: activations for the k-quants: w = d * q, with bsums[g] = sum of qs[16g .. 16g+15].
struct [[gnu::packed]] BlockQ8_K {
  float d;             // fp32 scale
  int8_t qs[256];      // (256) quants
  int16_t bsums[16];   // (16) sums of groups of 16 quants
};
static_assert(sizeof(BlockQ8_K) == 292);

// IQ4_NL: w = d * kIq4nlValues[q], nibble layout as Q4_0.
struct [[gnu::packed]] BlockIQ4_NL {
  uint16_t d;       // fp16 scale
  uint8_t qs[16];   // (16) nibbles
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// IQ4_XS: 8 sub-blocks of 32, w = d * (ls - 32) * kIq4nlValues[q]; ls 6 bits: low
// nibble at scales_l[sb/2] bit 4*(sb%2), top 2 bits at scales_h bit 2*sb; each
// sub-block's 16 bytes of qs in Q4_0 nibble order.
struct [[gnu::packed]] BlockIQ4_XS {
  uint16_t d;           // fp16 super-block scale
  uint16_t scales_h;    // (8 x 2 bits) high scale bits
  uint8_t scales_l[4];  // (8 x 4 bits) low scale bits
  uint8_t qs[128];      // (256) nibbles
};
static_assert(sizeof(BlockIQ4_XS) == 136);

// MXFP4: w = 2^(e-128) * kFp4Values[q] (the table holds 2 * E2M1), nibble layout as Q4_0.
struct [[gnu::packed]] BlockMXFP4 {
  uint8_t e;        // E8M0 shared exponent
  uint8_t qs[16];   // (16) nibbles
};
static_assert(sizeof(BlockMXFP4) == 17);

// TQ1_0: ternary, w = d * (t - 1), t in {0,1,2}; five trits per byte in qs (base-3
// fixed point: trit n of byte b is floor(3 * (uint8_t)(b * 3^n) / 256)), four per byte in qh.
struct [[gnu::packed]] BlockTQ1_0 {
  uint8_t qs[48];   // (240) 5 trits per byte
  uint8_t qh[4];    // (16) 4 trits per byte
  uint16_t d;       // fp16 scale
};
static_assert(sizeof(BlockTQ1_0) == 54);

// TQ2_0: ternary in 2 bits, w = d * (q - 1); weight 128*h + 32*s + l is bits 2s..2s+1 of qs[32*h + l].
struct [[gnu::packed]] BlockTQ2_0 {
  uint8_t qs[64];   // (256) 2-bit quants
  uint16_t d;       // fp16 scale
};
static_assert(sizeof(BlockTQ2_0) == 66);

// Non-linear 4-bit codebooks (ggml-common.h kvalues_iq4nl, kvalues_mxfp4).
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};
inline constexpr int8_t kFp4Values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

}  // namespace heft::kernels
