// fp16 and bf16 conversions: exhaustive decoding, rounding of sweeps of floats
// against a reference computed in double (round(v / ulp) * ulp, ties to even),
// and the edge cases by hand: subnormals, overflow, inf, NaN, ties.
#include <gtest/gtest.h>

#include <bit>
#include <cfenv>
#include <cmath>
#include <cstdint>

#include "kernels/fp16.h"

using namespace heft::kernels;

namespace {

float bits_f(uint32_t b) { return std::bit_cast<float>(b); }
uint32_t f_bits(float f) { return std::bit_cast<uint32_t>(f); }

// Value of a finite half by the definition.
double half_value(uint16_t h) {
  const int exp = (h >> 10) & 31, mant = h & 1023;
  const double mag = exp == 0 ? std::ldexp(mant, -24) : std::ldexp(1024 + mant, exp - 25);
  return (h & 0x8000) ? -mag : mag;
}

// Round a finite value to `mant_bits` of mantissa with minimum normal exponent
// `emin`, ties to even; overflow beyond `max_finite` (after rounding) gives inf.
double round_reference(double v, int mant_bits, int emin, double max_finite) {
  const double a = std::fabs(v);
  if (a == 0) return v;
  const int e = std::max(std::ilogb(a), emin);
  const double ulp = std::ldexp(1.0, e - mant_bits);
  const double r = std::nearbyint(a / ulp) * ulp;  // a / ulp is exact: a has 24 significant bits
  const double out = r > max_finite ? INFINITY : r;
  return std::signbit(v) ? -out : out;
}

TEST(Fp16, DecodeEveryHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    const int exp = (h >> 10) & 31;
    if (exp == 31) {
      if ((h & 1023) == 0) {
        EXPECT_EQ(f, (h & 0x8000) ? -INFINITY : INFINITY);
      } else {
        // NaN: quiet, payload in the top mantissa bits, sign kept.
        EXPECT_EQ(f_bits(f), ((h & 0x8000u) << 16) | 0x7fc00000u | ((h & 1023u) << 13)) << h;
      }
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), half_value(static_cast<uint16_t>(h))) << h;
    ASSERT_EQ(std::signbit(f), (h & 0x8000) != 0) << h;
  }
}

TEST(Fp16, EncodeRoundsToNearestEven) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  auto check = [](float f) {
    const double want = round_reference(f, 10, -14, 65504.0);
    const float got = fp16_to_fp32(fp32_to_fp16(f));
    ASSERT_EQ(static_cast<double>(got), want) << std::hexfloat << f;
    ASSERT_EQ(std::signbit(got), std::signbit(f)) << f;
  };
  // Every 251st float bit pattern (both signs, all exponents)...
  for (uint64_t b = 0; b < (1ull << 32); b += 251) {
    const float f = bits_f(static_cast<uint32_t>(b));
    if (std::isfinite(f)) check(f);
  }
  // ...and the floats around every half and every midpoint between neighbours.
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    const float v = static_cast<float>(half_value(static_cast<uint16_t>(h)));
    const float mid = static_cast<float>((half_value(static_cast<uint16_t>(h)) + half_value(static_cast<uint16_t>(h + 1))) / 2);
    for (float c : {v, mid}) {
      for (int k = -2; k <= 2; ++k) {
        const float f = bits_f(f_bits(c) + k);
        if (std::isfinite(f)) {
          check(f);
          check(-f);
        }
      }
    }
  }
}

TEST(Fp16, EdgeCases) {
  EXPECT_EQ(fp32_to_fp16(0.0f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(fp32_to_fp16(1.0f + 0x1p-11f), 0x3c00);      // tie, even mantissa stays
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * 0x1p-11f), 0x3c02);  // tie, odd mantissa rounds up
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65519.996f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);             // tie between 65504 and 65536: to inf
  EXPECT_EQ(fp32_to_fp16(1e10f), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-1e10f), 0xfc00);
  EXPECT_EQ(fp32_to_fp16(INFINITY), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-INFINITY), 0xfc00);
  EXPECT_EQ(fp32_to_fp16(0x1p-14f), 0x0400);              // smallest normal
  EXPECT_EQ(fp32_to_fp16(0x1p-14f - 0x1p-25f), 0x0400);   // tie just below it: rounds up into normals
  EXPECT_EQ(fp32_to_fp16(0x1p-24f), 0x0001);              // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(0x1p-25f), 0x0000);              // tie to even: zero
  EXPECT_EQ(fp32_to_fp16(0x1.8p-25f), 0x0001);
  EXPECT_EQ(fp32_to_fp16(0x1.8p-24f), 0x0002);            // 1.5 ulp: tie to even 2
  EXPECT_EQ(fp32_to_fp16(-0x1p-30f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(bits_f(0x00000001)), 0x0000);    // fp32 subnormal
  // NaN: ggml's canonical quiet NaN, payload dropped, sign kept.
  EXPECT_EQ(fp32_to_fp16(NAN), 0x7e00);
  EXPECT_EQ(fp32_to_fp16(bits_f(0x7f800001)), 0x7e00);
  EXPECT_EQ(fp32_to_fp16(bits_f(0xffffffff)), 0xfe00);
}

TEST(Bf16, EncodeRoundsToNearestEven) {
  for (uint64_t b = 0; b < (1ull << 32); b += 127) {
    const float f = bits_f(static_cast<uint32_t>(b));
    if (!std::isfinite(f)) continue;
    const double want = round_reference(f, 7, -126, 0x1.fep127);
    const float got = bf16_to_fp32(fp32_to_bf16(f));
    ASSERT_EQ(static_cast<double>(got), want) << std::hexfloat << f;
    ASSERT_EQ(std::signbit(got), std::signbit(f));
  }
}

TEST(Bf16, EdgeCases) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(bits_f(0x3f808000)), 0x3f80);  // tie, even stays
  EXPECT_EQ(fp32_to_bf16(bits_f(0x3f818000)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(fp32_to_bf16(bits_f(0x3f808001)), 0x3f81);
  EXPECT_EQ(fp32_to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(fp32_to_bf16(bits_f(0x7f7fffff)), 0x7f80);  // FLT_MAX rounds to inf
  EXPECT_EQ(fp32_to_bf16(INFINITY), 0x7f80);
  EXPECT_EQ(fp32_to_bf16(-INFINITY), 0xff80);
  EXPECT_EQ(fp32_to_bf16(bits_f(0x00008000)), 0x0000);  // subnormal tie to even, not flushed
  EXPECT_EQ(fp32_to_bf16(bits_f(0x00018000)), 0x0002);
  EXPECT_EQ(fp32_to_bf16(bits_f(0x00010000)), 0x0001);
  // NaN: upper half with the quiet bit forced, sign and top payload kept.
  EXPECT_EQ(fp32_to_bf16(bits_f(0x7f800001)), 0x7fc0);
  EXPECT_EQ(fp32_to_bf16(bits_f(0xff810000)), 0xffc1);
  EXPECT_EQ(fp32_to_bf16(NAN), 0x7fc0);
  for (uint32_t h = 0; h < 65536; ++h) EXPECT_EQ(f_bits(bf16_to_fp32(static_cast<uint16_t>(h))), h << 16);
}

}  // namespace
