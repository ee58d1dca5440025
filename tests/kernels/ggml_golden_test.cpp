// heft's quantizers on inputs the model files do not contain (zero groups,
// constant blocks, rounding ties, one-signed and outlier rows, an all-zero
// row) and with importance weights (llama-quantize --imatrix), against hashes
// of what ggml itself wrote for the same input: ggml-quants.c (quantize_q*_*,
// quantize_row_q8_K_ref) and ggml-cpu/arch/x86/quants.c (quantize_row_q8_0/1),
// llama.cpp 3f545bec, gcc 12.2 -O3, the x86 file with -march=native on an
// AVX-512 machine, as the golden build. The input is built from integers only
// (kernel_test_util.h: golden_input, golden_importance), so it is the same here.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>

#include "kernel_test_util.h"
#include "kernels/quant.h"

using namespace heft;
using namespace heft::test_kernels;

namespace {

struct GgmlHashes {
  GgmlType type;
  uint64_t without_importance;  // quantize_<type>(..., quant_weights = NULL)
  uint64_t with_importance;     // quantize_<type>(..., quant_weights = golden_importance())
};

constexpr GgmlHashes kQuantized[] = {
    {GgmlType::Q4_0, 0xad3886c81d06fef9ull, 0x90354559639f7e1bull},
    {GgmlType::Q4_1, 0xc844c0638de77e55ull, 0xf0ea0bf737c20241ull},
    {GgmlType::Q5_0, 0x03a73c86721433f3ull, 0x7ac653b8c2c2947cull},
    {GgmlType::Q5_1, 0xb19bbf7b480b51baull, 0x5011f5ede914ec22ull},
    {GgmlType::Q8_0, 0x44c644e77d7489c8ull, 0x44c644e77d7489c8ull},  // ggml ignores the weights
    {GgmlType::Q2_K, 0x1b4bf6b05cd6aeb9ull, 0xefcfa43c8fea415dull},
    {GgmlType::Q3_K, 0xa2062b0840a30d7bull, 0x2e766e15881ece32ull},
    {GgmlType::Q4_K, 0x7b043612beb6d559ull, 0xe74cdd91c39cc7e6ull},
    {GgmlType::Q5_K, 0x6440f37ea7ecdf53ull, 0x66c19a35997f6795ull},
    {GgmlType::Q6_K, 0x7281010a5edd9d6cull, 0xd3b4fd7b811fbc42ull},
};

std::string hex(uint64_t h) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, h);
  return buf;
}

TEST(GgmlGolden, QuantizeWithoutImportance) {
  const auto x = golden_input();
  for (const auto& g : kQuantized) {
    const auto q = quantize(g.type, x, kGoldenRowLen);
    EXPECT_EQ(hex(fnv1a(q.data(), q.size())), hex(g.without_importance)) << formats::type_name(g.type);
  }
}

TEST(GgmlGolden, QuantizeWithImportance) {
  const auto x = golden_input();
  const auto im = golden_importance();
  for (const auto& g : kQuantized) {
    const auto q = quantize(g.type, x, kGoldenRowLen, im.data());
    EXPECT_EQ(hex(fnv1a(q.data(), q.size())), hex(g.with_importance)) << formats::type_name(g.type);
  }
}

TEST(GgmlGolden, ImportanceChangesTheResult) {
  // The importance-weighted path really runs (and differs) for every type that has one.
  const auto x = golden_input();
  const auto im = golden_importance();
  for (const auto& g : kQuantized) {
    if (g.type == GgmlType::Q8_0) continue;
    EXPECT_NE(quantize(g.type, x, kGoldenRowLen), quantize(g.type, x, kGoldenRowLen, im.data()))
        << formats::type_name(g.type);
  }
}

TEST(GgmlGolden, Activations) {
  const auto x = golden_input();
  struct Act {
    GgmlType type;
    size_t n;
    uint64_t hash;
  };
  // Q8_K: all rows but the zero one (ggml leaves an all-zero block's bsums unset).
  const Act acts[] = {
      {GgmlType::Q8_0, x.size(), 0x44c644e77d7489c8ull},
      {GgmlType::Q8_1, x.size(), 0x836eb705a7a0e401ull},
      {GgmlType::Q8_K, x.size() - kGoldenRowLen, 0x42feb996dcbd488bull},
  };
  for (const auto& a : acts) {
    std::vector<uint8_t> q(row_size(a.type, static_cast<int64_t>(a.n)));
    kernels::quantize_activations(a.type, x.data(), q.data(), static_cast<int64_t>(a.n));
    EXPECT_EQ(hex(fnv1a(q.data(), q.size())), hex(a.hash)) << formats::type_name(a.type);
  }
}

}  // namespace
