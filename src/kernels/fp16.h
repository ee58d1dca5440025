#pragma once
// IEEE binary16 and bfloat16 <-> binary32, bit-identical with ggml's software
// conversions (ggml-impl.h), which quantized files are made with. Inline because
// every block scale of every dot product goes through them.
#include <bit>
#include <cstdint>

namespace heft::kernels {

// Round to nearest, ties to even; overflow gives inf; subnormal halves are
// produced, not flushed. NaN becomes the canonical quiet NaN 0x7E00 with the
// sign kept (ggml drops the payload).
inline uint16_t fp32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return sign | 0x7e00u;        // NaN
  if (ax >= 0x477ff000u) return sign | 0x7c00u;       // >= 65520 (tie above 65504 rounds up): inf
  if (ax >= 0x38800000u) {                            // normal half: exponent re-biased 127 -> 15
    const uint32_t rounded = ax + 0x0fffu + ((ax >> 13) & 1u);  // ties to even on the 13 dropped bits
    return sign | static_cast<uint16_t>((rounded - (112u << 23)) >> 13);
  }
  // Subnormal half: value / 2^-24, rounded to an integer (ties to even).
  const uint32_t exp = ax >> 23;
  if (exp < 102) return sign;  // below 2^-25 (the tie 2^-25 itself is handled below and rounds to 0)
  const uint32_t mant = (ax & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126 - exp;  // 14..24
  uint32_t q = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) ++q;  // may carry into the smallest normal: still right
  return sign | static_cast<uint16_t>(q);
}

// Exact. A NaN keeps its payload (shifted) and comes out quiet, as the
// hardware and ggml's multiply-based conversion both give.
inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mant ? 0x400000u | (mant << 13) : 0u));
  if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
  const float sub = static_cast<float>(mant) * 0x1p-24f;  // exact: mant < 2^10
  return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(sub));
}

// ggml_compute_fp32_to_bf16: NaN -> quiet NaN (bit 6 of the upper half set),
// otherwise round to nearest even on the upper 16 bits (overflow gives inf).
inline uint16_t fp32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 64u);
  return static_cast<uint16_t>((x + (0x7fffu + ((x >> 16) & 1u))) >> 16);
}

inline float bf16_to_fp32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

}  // namespace heft::kernels
