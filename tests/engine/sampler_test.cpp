// The sampler chain on hand-made logits: greedy, the truncations, penalties,
// logit bias, and determinism by seed.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "engine/sampler.h"

using heft::engine::Sampler;
using heft::engine::SamplerParams;

namespace {

const std::vector<float> kLogits = {1.0f, 3.0f, 2.5f, -1.0f, 0.5f, 2.9f, -4.0f, 0.0f};

std::map<int32_t, int> histogram(const SamplerParams& p, int draws) {
  Sampler s(p, static_cast<int64_t>(kLogits.size()));
  std::map<int32_t, int> h;
  for (int i = 0; i < draws; ++i) h[s.sample(kLogits.data())]++;
  return h;
}

}  // namespace

TEST(Sampler, ZeroTemperatureIsArgmaxFirstOnTies) {
  Sampler s({.temperature = 0.0f}, 8);
  EXPECT_EQ(s.sample(kLogits.data()), 1);
  std::vector<float> tie = {0, 5, 5, 1};
  Sampler t({.temperature = 0.0f}, 4);
  EXPECT_EQ(t.sample(tie.data()), 1);
}

TEST(Sampler, TopKOneIsGreedy) {
  auto h = histogram({.temperature = 1.5f, .top_k = 1, .top_p = 1.0f, .min_p = 0.0f, .seed = 3}, 200);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.begin()->first, 1);
}

TEST(Sampler, TruncationsKeepOnlyTheirCandidates) {
  // top-k 3: ids 1, 5, 2 only.
  for (auto [id, n] : histogram({.temperature = 1.0f, .top_k = 3, .top_p = 1.0f, .min_p = 0.0f, .seed = 1}, 2000))
    EXPECT_TRUE(id == 1 || id == 5 || id == 2) << id;
  // min-p 0.5: tokens within log(0.5) of the best logit (3.0): 1, 5 and 2.5 (2) all qualify; 1.0 does not.
  for (auto [id, n] : histogram({.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.5f, .seed = 2}, 2000))
    EXPECT_TRUE(id == 1 || id == 5 || id == 2) << id;
  // top-p tiny: only the most likely token.
  auto h = histogram({.temperature = 1.0f, .top_k = 0, .top_p = 0.01f, .min_p = 0.0f, .seed = 4}, 300);
  EXPECT_EQ(h.size(), 1u);
}

TEST(Sampler, FrequenciesFollowTheSoftmax) {
  auto h = histogram({.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.0f, .seed = 11}, 20000);
  double z = 0;
  for (float l : kLogits) z += std::exp(l);
  for (size_t i = 0; i < kLogits.size(); ++i) {
    double expected = std::exp(kLogits[i]) / z;
    EXPECT_NEAR(h[static_cast<int32_t>(i)] / 20000.0, expected, 0.015) << i;
  }
}

TEST(Sampler, SameSeedSameSequenceOtherSeedOther) {
  SamplerParams p{.temperature = 1.2f, .top_k = 0, .top_p = 1.0f, .min_p = 0.0f, .seed = 77};
  Sampler a(p, 8), b(p, 8);
  std::vector<int32_t> sa, sb;
  for (int i = 0; i < 64; ++i) sa.push_back(a.sample(kLogits.data())), sb.push_back(b.sample(kLogits.data()));
  EXPECT_EQ(sa, sb);
  p.seed = 78;
  Sampler c(p, 8);
  std::vector<int32_t> sc;
  for (int i = 0; i < 64; ++i) sc.push_back(c.sample(kLogits.data()));
  EXPECT_NE(sa, sc);
}

TEST(Sampler, RepeatPenaltyAndLogitBias) {
  // Penalizing id 1 (3.0 / 10 = 0.3) makes id 5 (2.9) the greedy choice.
  Sampler s({.temperature = 0.0f, .repeat_penalty = 10.0f, .penalty_last_n = 4}, 8);
  s.accept(1);
  EXPECT_EQ(s.sample(kLogits.data()), 5);
  // The window forgets: after four other tokens id 1 is back.
  for (int32_t t : {3, 3, 3, 3}) s.accept(t);
  EXPECT_EQ(s.sample(kLogits.data()), 1);
  // Presence and frequency penalties subtract.
  Sampler f({.temperature = 0.0f, .presence_penalty = 0.05f, .frequency_penalty = 0.03f, .penalty_last_n = 8}, 8);
  f.accept(1);
  f.accept(1);  // 3.0 - 0.05 - 2*0.03 = 2.89 < 2.9
  EXPECT_EQ(f.sample(kLogits.data()), 5);
  Sampler b({.temperature = 0.0f, .logit_bias = {{1, -INFINITY}, {6, 10.0f}}}, 8);
  EXPECT_EQ(b.sample(kLogits.data()), 6);
}

// A grammar's mask: only allowed ids are ever drawn, in the proportions the
// softmax over the allowed ones gives; greedy takes the best allowed; top-k
// counts allowed tokens only; an empty mask is -1.
TEST(Sampler, AMaskComesBeforeEveryTruncation) {
  std::vector<uint64_t> mask(1, 0);
  for (int id : {0, 2, 4, 7}) mask[0] |= uint64_t{1} << id;  // logits 1.0, 2.5, 0.5, 0.0
  Sampler greedy({.temperature = 0.0f}, 8);
  EXPECT_EQ(greedy.sample(kLogits.data(), &mask), 2);
  // top-k 2 over the allowed: ids 2 and 0 only (the disallowed 1 and 5 take no places).
  Sampler topk({.temperature = 1.0f, .top_k = 2, .top_p = 1.0f, .min_p = 0.0f, .seed = 5}, 8);
  std::map<int32_t, int> h;
  for (int i = 0; i < 4000; ++i) h[topk.sample(kLogits.data(), &mask)]++;
  ASSERT_EQ(h.size(), 2u);
  const double p2 = std::exp(2.5) / (std::exp(2.5) + std::exp(1.0));
  EXPECT_NEAR(h[2] / 4000.0, p2, 0.025);  // binomial sd 0.006 at 4000 draws; 4 sd
  std::vector<uint64_t> none(1, 0);
  EXPECT_EQ(greedy.sample(kLogits.data(), &none), -1);
}
