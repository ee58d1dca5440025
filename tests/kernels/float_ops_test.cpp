// The SIMD attention head and SwiGLU on every target this machine runs are
// bit-identical to the scalar reference (ggml's AVX-512 order): F32 and F16
// caches, one token and prompt batches, sliding-window masks, soft-caps, head
// sizes that are and are not multiples of 64.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/attention.h"
#include "kernels/float_ops.h"
#include "kernels/fp16.h"
#include "kernels/ggml_order.h"

using namespace heft;
using namespace heft::test_kernels;
using kernels::SimdTarget;

namespace {

struct Cache {
  std::vector<uint8_t> k, v;
  size_t k_stride, v_stride;
};

Cache make_cache(bool f16, int64_t n, int64_t hk, int64_t hv, uint32_t seed) {
  const auto kf = gaussian_data(static_cast<size_t>(n * hk), seed, 2.0f);
  const auto vf = gaussian_data(static_cast<size_t>(n * hv), seed + 1, 1.0f);
  const size_t e = f16 ? 2 : 4;
  Cache c{std::vector<uint8_t>(kf.size() * e), std::vector<uint8_t>(vf.size() * e), hk * e, hv * e};
  for (size_t i = 0; i < kf.size(); ++i) {
    if (f16) {
      const uint16_t h = kernels::fp32_to_fp16(kf[i]);
      std::memcpy(&c.k[2 * i], &h, 2);
    } else {
      std::memcpy(&c.k[4 * i], &kf[i], 4);
    }
  }
  for (size_t i = 0; i < vf.size(); ++i) {
    if (f16) {
      const uint16_t h = kernels::fp32_to_fp16(vf[i]);
      std::memcpy(&c.v[2 * i], &h, 2);
    } else {
      std::memcpy(&c.v[4 * i], &vf[i], 4);
    }
  }
  return c;
}

kernels::AttentionArgs args(const Cache& c, const std::vector<float>& q, bool f16, int64_t hd, int64_t n_kv, int64_t first,
                            bool batch, float scale) {
  kernels::AttentionArgs a;
  a.q = q.data();
  a.k = c.k.data();
  a.v = c.v.data();
  a.k_stride = c.k_stride;
  a.v_stride = c.v_stride;
  a.f16 = f16;
  a.hd_k = a.hd_v = hd;
  a.n_kv = n_kv;
  a.first = first;
  a.scale = scale;
  a.batch = batch;
  return a;
}

}  // namespace

TEST(FloatOps, AttentionHeadBitIdenticalOnEveryTarget) {
  int cases = 0;
  for (SimdTarget target : kernels::simd_supported()) {
    for (bool f16 : {false, true}) {
      for (int64_t hd : {64, 128, 80}) {
        const int64_t n_max = 300;
        const Cache c = make_cache(f16, n_max, hd, hd, 11 + static_cast<uint32_t>(hd));
        const auto q = gaussian_data(static_cast<size_t>(hd), 5, 1.5f);
        std::vector<float> s_ref(kernels::attention_scratch_floats(n_max, hd, hd)), s_simd(s_ref.size(), NAN);
        for (int64_t n_kv : {1, 17, 64, 65, 300}) {
          for (bool batch : {false, true}) {
            for (int64_t first : {int64_t{0}, n_kv / 3}) {
              for (float softcap : {0.0f, 30.0f}) {
                kernels::AttentionArgs a = args(c, q, f16, hd, n_kv, first, batch, 1.0f / std::sqrt(static_cast<float>(hd)));
                a.softcap = softcap;
                std::vector<float> ref(hd), got(hd, NAN);
                kernels::attention_head_ref(a, ref.data(), s_ref.data());
                kernels::attention_head(a, got.data(), s_simd.data(), target);
                ASSERT_EQ(std::memcmp(ref.data(), got.data(), 4 * hd), 0)
                    << kernels::simd_name(target) << " f16=" << f16 << " hd=" << hd << " n_kv=" << n_kv
                    << " batch=" << batch << " first=" << first << " softcap=" << softcap << ": " << got[0] << " vs " << ref[0];
                ++cases;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GE(cases, 240);
}

TEST(FloatOps, SwigluBitIdenticalOnEveryTarget) {
  const int64_t n = 16 * 37 + 5;
  const auto gate = gaussian_data(static_cast<size_t>(n), 3, 4.0f), up = gaussian_data(static_cast<size_t>(n), 4, 1.0f);
  std::vector<float> ref = gate;
  for (int64_t i = 0; i < n - 5; ++i) ref[i] = kernels::ggml_order::silu(ref[i]) * up[i];
  for (int64_t i = n - 5; i < n; ++i) ref[i] = ref[i] / (1.0f + std::exp(-ref[i])) * up[i];
  std::vector<float> g = gate;  // and extremes, where exp saturates
  g[7] = -200.0f;
  g[8] = 200.0f;
  ref[7] = kernels::ggml_order::silu(-200.0f) * up[7];
  ref[8] = kernels::ggml_order::silu(200.0f) * up[8];
  for (SimdTarget target : kernels::simd_supported()) {
    std::vector<float> got = g;
    kernels::swiglu(got.data(), up.data(), n, target);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(std::memcmp(&got[i], &ref[i], 4), 0) << kernels::simd_name(target) << " i=" << i << ": " << got[i] << " vs " << ref[i];
  }
}

TEST(FloatOps, ExpMatchesTheReferenceAcrossTheRange) {
  // About a thousand float bit patterns spread over the whole range (both signs,
  // subnormals, infinities) through SiLU, which is exp plus one division.
  std::vector<float> x, up;
  for (uint64_t b = 0; b < (1ull << 32); b += 997 * 4099) {
    float f;
    const uint32_t u = static_cast<uint32_t>(b);
    std::memcpy(&f, &u, 4);
    if (std::isnan(f)) continue;
    x.push_back(f);
  }
  x.resize(x.size() / 16 * 16);
  up.assign(x.size(), 1.0f);
  for (SimdTarget target : kernels::simd_supported()) {
    std::vector<float> got = x;
    kernels::swiglu(got.data(), up.data(), static_cast<int64_t>(got.size()), target);
    for (size_t i = 0; i < x.size(); ++i) {
      const float ref = kernels::ggml_order::silu(x[i]) * 1.0f;
      ASSERT_TRUE(std::memcmp(&got[i], &ref, 4) == 0 || (std::isnan(got[i]) && std::isnan(ref)))
          << kernels::simd_name(target) << " x=" << x[i] << ": " << got[i] << " vs " << ref;
    }
  }
}

// A server's sequences live in blocks of one pool: the same rows read through a
// block table (blocks in another order, the last one partly used) give the
// same bits as contiguous rows, on every target, in both orders.
TEST(FloatOps, AttentionThroughABlockTableIsTheSame) {
  constexpr int kShift = 4, kBlock = 1 << kShift;
  const int64_t hd = 64, n_kv = 150, n_blocks = (n_kv + kBlock - 1) / kBlock;
  for (SimdTarget target : kernels::simd_supported()) {
    for (bool f16 : {false, true}) {
      const Cache c = make_cache(f16, n_blocks * kBlock, hd, hd, 3);
      // Block b of the sequence is pool block table[b]: reversed, with a gap.
      std::vector<int32_t> table(static_cast<size_t>(n_blocks));
      for (int64_t b = 0; b < n_blocks; ++b) table[static_cast<size_t>(b)] = static_cast<int32_t>(2 * (n_blocks - 1 - b) + 1);
      const int64_t pool_rows = (2 * n_blocks + 1) * kBlock;
      Cache pooled{std::vector<uint8_t>(static_cast<size_t>(pool_rows) * c.k_stride, 0xff),
                   std::vector<uint8_t>(static_cast<size_t>(pool_rows) * c.v_stride, 0xff), c.k_stride, c.v_stride};
      for (int64_t j = 0; j < n_blocks * kBlock; ++j) {
        const size_t row = static_cast<size_t>(table[static_cast<size_t>(j >> kShift)]) * kBlock + static_cast<size_t>(j % kBlock);
        std::memcpy(&pooled.k[row * c.k_stride], &c.k[static_cast<size_t>(j) * c.k_stride], c.k_stride);
        std::memcpy(&pooled.v[row * c.v_stride], &c.v[static_cast<size_t>(j) * c.v_stride], c.v_stride);
      }
      const auto q = gaussian_data(static_cast<size_t>(hd), 9, 1.5f);
      std::vector<float> scratch(kernels::attention_scratch_floats(n_kv, hd, hd));
      for (bool batch : {false, true})
        for (int64_t first : {int64_t{0}, int64_t{37}}) {
          kernels::AttentionArgs a = args(c, q, f16, hd, n_kv, first, batch, 0.125f);
          std::vector<float> flat(hd, NAN), blocked(hd, NAN);
          kernels::attention_head(a, flat.data(), scratch.data(), target);
          a.k = pooled.k.data();
          a.v = pooled.v.data();
          a.blocks = table.data();
          a.block_shift = kShift;
          kernels::attention_head(a, blocked.data(), scratch.data(), target);
          ASSERT_EQ(std::memcmp(flat.data(), blocked.data(), 4 * hd), 0)
              << kernels::simd_name(target) << " f16=" << f16 << " batch=" << batch << " first=" << first;
        }
    }
  }
}
