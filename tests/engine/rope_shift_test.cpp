// A context shift re-rotates the cached keys with the layer's own RoPE
// angles, YaRN included: a key moved from position p to p - d must equal the
// key computed at p - d. The magnitude (YaRN's, attn_factor) is in the key
// once, as a fresh prefill puts it; llama.cpp's K-shift multiplies it in a
// second time, which heft does not follow (docs/architectures.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "convert/synth.h"
#include "engine/context.h"
#include "formats/open_model.h"
#include "model/model.h"
#include "support/test_paths.h"

using namespace heft;

namespace {

std::unique_ptr<model::Model> synth(const std::string& scaling, float factor, uint32_t orig) {
  const std::string path = test::scratch_dir() + "/m.gguf";
  convert::SynthOptions opt{.preset = "mini", .type = "F32", .stddev = 0.08f, .progress = false};
  opt.rope_scaling = scaling;
  opt.rope_factor = factor;
  opt.rope_orig_ctx = orig;
  auto r = convert::synthesize(path, opt);
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  auto mf = formats::open_model(path);
  EXPECT_TRUE(mf);
  auto m = model::load_model(std::move(*mf));
  EXPECT_TRUE(m) << (m ? "" : m.error().to_string());
  return std::move(*m);
}

// Layer 0's key row at `pos` (F32 cache): it depends only on the token and its position.
std::vector<float> key(const engine::Context& ctx, int64_t pos) {
  const auto* row = static_cast<const float*>(ctx.cache().k_row(0, pos));
  return {row, row + ctx.cache().k_dim()};
}

// max |shifted - expected_scale * fresh| / max |fresh|
double shifted_vs_fresh(const model::Model& m, double expected_scale) {
  const std::vector<int32_t> ids = {1, 5, 9, 300, 1000, 17, 42, 7, 1500, 64};
  auto a = engine::Context::create(m, {.n_ctx = 16, .cache_type = engine::CacheType::F32, .n_threads = 2});
  EXPECT_TRUE(a);
  EXPECT_TRUE((*a)->decode(ids));
  (*a)->shift(/*n_keep=*/1, /*n_discard=*/6);  // positions 7..9 move to 1..3
  double worst = 0;
  for (int64_t moved = 7; moved < 10; ++moved) {
    auto b = engine::Context::create(m, {.n_ctx = 16, .cache_type = engine::CacheType::F32, .n_threads = 2});
    EXPECT_TRUE(b);
    std::vector<int32_t> fresh_ids(ids.begin(), ids.begin() + (moved - 6));  // ids[moved] lands at moved - 6
    fresh_ids.push_back(ids[static_cast<size_t>(moved)]);
    EXPECT_TRUE((*b)->decode(fresh_ids));
    auto s = key(**a, moved - 6), f = key(**b, moved - 6);
    double scale = 0, diff = 0;
    for (size_t i = 0; i < f.size(); ++i) {
      scale = std::max(scale, std::fabs(double{f[i]}));
      diff = std::max(diff, std::fabs(s[i] - expected_scale * f[i]));
    }
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

}  // namespace

TEST(RopeShift, PlainAndLinearKeysMoveToTheirNewPosition) {
  EXPECT_LT(shifted_vs_fresh(*synth("", 0, 0), 1.0), 1e-5);
  EXPECT_LT(shifted_vs_fresh(*synth("linear", 4, 0), 1.0), 1e-5);
}

TEST(RopeShift, YarnKeysMoveWithYarnAnglesAndTheMagnitudeOnce) {
  auto m = synth("yarn", 4, 128);
  const double magnitude = model::rope_magnitude(m->hp.rope);
  EXPECT_NEAR(magnitude, 1.0 + 0.1 * std::log(4.0), 1e-6);
  EXPECT_LT(shifted_vs_fresh(*m, 1.0), 1e-5);
  // llama.cpp's K-shift applies the magnitude again: its shifted keys would be this far off.
  EXPECT_GT(shifted_vs_fresh(*m, magnitude), 0.05);
}
