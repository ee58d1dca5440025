// dequantize(quantize(x)) stays within known error bounds: ggml's own limits
// from tests/test-quantize-fns.cpp on its data (0.1 + 2 cos(i + offset)), and for
// the legacy formats the per-element bound their construction guarantees.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernel_test_util.h"
#include "kernels/quant.h"

using namespace heft;
using namespace heft::test_kernels;

namespace {

// test-quantize-fns: sqrt(sum of squared errors) / n over 32 * 128 values.
double ggml_total_error(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(sum) / static_cast<double>(a.size());
}

// ggml's MAX_QUANTIZATION_TOTAL_ERROR (0.002), _2BITS (0.0075), _3BITS (0.0040).
double ggml_limit(GgmlType t) {
  if (t == GgmlType::Q2_K) return 0.0075;
  if (t == GgmlType::Q3_K) return 0.0040;
  return 0.002;
}

const GgmlType kQuantTypes[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1,
                                GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q2_K, GgmlType::Q3_K,
                                GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K};

TEST(Roundtrip, WithinGgmlTotalErrorLimits) {
  const auto x = cos_data(32 * 128, 0.0f);
  const auto im = cos_data(32 * 128, 1.0f);  // |.|: a positive importance vector
  std::vector<float> importance(im.size());
  std::transform(im.begin(), im.end(), importance.begin(), [](float v) { return std::fabs(v) + 0.1f; });
  for (GgmlType t : kQuantTypes) {
    const int64_t n = static_cast<int64_t>(x.size());
    const auto y = dequantize(t, quantize(t, x, n), n);
    EXPECT_LT(ggml_total_error(x, y), ggml_limit(t)) << formats::type_name(t);
    const auto yw = dequantize(t, quantize(t, x, n, importance.data()), n);
    EXPECT_LT(ggml_total_error(x, yw), ggml_limit(t)) << formats::type_name(t) << " with importance";
  }
}

TEST(Roundtrip, FloatTypes) {
  const auto x = gaussian_data(4096, 7);
  for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16}) {
    const auto y = dequantize(t, quantize(t, x, 4096), 4096);
    const double rel = t == GgmlType::F32 ? 0 : t == GgmlType::F16 ? 0x1p-11 : 0x1p-8;  // half an ulp
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_LE(std::fabs(double(y[i]) - x[i]), rel * std::fabs(x[i])) << formats::type_name(t) << " " << i;
  }
}

// Legacy formats: per-element bounds that follow from how d (and m) are chosen,
// including the fp16 rounding of the stored scale (relative error <= 2^-11).
TEST(Roundtrip, LegacyPerElementBounds) {
  const auto x = gaussian_data(32 * 512, 11, 0.05f);
  const int64_t n = static_cast<int64_t>(x.size());
  const double r16 = 0x1p-11;
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0}) {
    const auto y = dequantize(t, quantize(t, x, n), n);
    for (int64_t b = 0; b < n / 32; ++b) {
      const float* xb = x.data() + 32 * b;
      const double amax = std::fabs(*std::max_element(xb, xb + 32, [](float a, float c) { return std::fabs(a) < std::fabs(c); }));
      const double mn = *std::min_element(xb, xb + 32), mx = *std::max_element(xb, xb + 32);
      double bound = 0;
      switch (t) {
        // d = max / -8: rounding error d/2, but the value opposite the extreme can clamp
        // at q = 15 (7d for up to 8d): error <= d, plus |q - 8| <= 8 times d's fp16 error.
        case GgmlType::Q4_0: bound = amax / 8 * (1 + 8 * r16); break;
        case GgmlType::Q5_0: bound = amax / 16 * (1 + 16 * r16); break;
        // d = (max - min) / (2^b - 1): rounding error d/2, plus q <= 2^b - 1 times d's
        // fp16 error, plus the fp16 error of the stored min.
        case GgmlType::Q4_1: bound = (mx - mn) / 15 * (0.5 + 15 * r16) + std::fabs(mn) * r16; break;
        case GgmlType::Q5_1: bound = (mx - mn) / 31 * (0.5 + 31 * r16) + std::fabs(mn) * r16; break;
        case GgmlType::Q8_0: bound = amax / 127 * (0.5 + 127 * r16); break;
        default: break;
      }
      for (int j = 0; j < 32; ++j)
        ASSERT_LE(std::fabs(double(y[32 * b + j]) - xb[j]), bound + 1e-6 * (amax + std::fabs(mn)))  // + float rounding
            << formats::type_name(t) << " block " << b << " element " << j;
    }
  }
}

TEST(Roundtrip, ZeroAndConstantInputs) {
  for (GgmlType t : kQuantTypes) {
    const std::vector<float> zeros(512, 0.0f);
    for (float v : dequantize(t, quantize(t, zeros, 512), 512)) ASSERT_EQ(v, 0.0f) << formats::type_name(t);
    // A constant 0.75 (exact in fp16) survives every format within 1%.
    const std::vector<float> c(512, 0.75f);
    for (float v : dequantize(t, quantize(t, c, 512), 512)) ASSERT_NEAR(v, 0.75f, 0.0075f) << formats::type_name(t);
  }
}

}  // namespace
