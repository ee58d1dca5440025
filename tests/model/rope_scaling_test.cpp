// RoPE scaling metadata read as llama.cpp (3f545be) reads it: which keys scale,
// YaRN's resolved parameters, refused types, and yarn_* keys llama.cpp ignores
// for the families heft runs (listed, not used).
#include <gtest/gtest.h>

#include <cmath>

#include "model/hparams.h"

using namespace heft;
using formats::MetaValue;

namespace {

formats::Metadata llama(std::initializer_list<std::pair<const char*, MetaValue>> extra) {
  formats::Metadata md;
  md.set("general.architecture", MetaValue::string("llama"));
  md.set("llama.block_count", MetaValue::u32(2));
  md.set("llama.embedding_length", MetaValue::u32(64));
  md.set("llama.attention.head_count", MetaValue::u32(2));
  md.set("llama.context_length", MetaValue::u32(512));
  for (const auto& [k, v] : extra) md.set(k, v);
  return md;
}

model::Hparams read(const formats::Metadata& md) {
  auto h = model::read_hparams(md);
  EXPECT_TRUE(h) << (h ? "" : h.error().to_string());
  return h ? *h : model::Hparams{};
}

}  // namespace

TEST(RopeScaling, YarnResolvesAsLlamaContextDoes) {
  auto h = read(llama({{"llama.rope.scaling.type", MetaValue::string("yarn")},
                       {"llama.rope.scaling.factor", MetaValue::f32(4.0f)},
                       {"llama.rope.scaling.original_context_length", MetaValue::u32(128)}}));
  EXPECT_EQ(h.rope_scaling, model::RopeScaling::Yarn);
  EXPECT_EQ(h.rope.freq_scale, 0.25f);
  EXPECT_EQ(h.rope.ext_factor, 1.0f);
  EXPECT_EQ(h.rope.beta_fast, 32.0f);
  EXPECT_EQ(h.rope.beta_slow, 1.0f);
  EXPECT_EQ(h.rope.n_ctx_orig, 128u);
  // get_mscale(4) / (1 + 0.1 ln 4): the magnitude ggml then multiplies back in.
  const float m = 0.1f * std::log(4.0f) + 1.0f;
  EXPECT_EQ(h.rope.attn_factor, m * (1.0f / (1.0f + 0.1f * std::log(4.0f))));
  EXPECT_NEAR(model::rope_magnitude(h.rope), 1.0 + 0.1 * std::log(4.0), 1e-6);
  EXPECT_TRUE(h.ignored_keys.empty());
}

TEST(RopeScaling, YarnWithoutOriginalContextUsesTheTrainingContext) {
  for (uint32_t stored : {0u, 512u}) {
    formats::Metadata md = llama({{"llama.rope.scaling.type", MetaValue::string("yarn")},
                                  {"llama.rope.scaling.factor", MetaValue::f32(2.0f)}});
    if (stored == 0) md.set("llama.rope.scaling.original_context_length", MetaValue::u32(0));
    EXPECT_EQ(read(md).rope.n_ctx_orig, 512u);
  }
}

TEST(RopeScaling, YarnAttentionFactorKeyMultipliesIn) {
  auto h = read(llama({{"llama.rope.scaling.type", MetaValue::string("yarn")},
                       {"llama.rope.scaling.factor", MetaValue::f32(8.0f)},
                       {"llama.rope.scaling.attn_factor", MetaValue::f32(0.5f)}}));
  const float m = 0.1f * std::log(8.0f) + 1.0f;
  EXPECT_EQ(h.rope.attn_factor, m * (1.0f / (1.0f + 0.1f * std::log(8.0f))) * 0.5f);
}

TEST(RopeScaling, ALoneFactorScalesLinearlyAsInLlamaCpp) {
  // llama.cpp's type defaults to linear; the older rope.scale_linear key counts when the factor is absent.
  auto a = read(llama({{"llama.rope.scaling.factor", MetaValue::f32(2.0f)}}));
  EXPECT_EQ(a.rope_scaling, model::RopeScaling::Linear);
  EXPECT_EQ(a.rope.freq_scale, 0.5f);
  EXPECT_EQ(a.rope.ext_factor, 0.0f);
  auto b = read(llama({{"llama.rope.scale_linear", MetaValue::f32(4.0f)}}));
  EXPECT_EQ(b.rope.freq_scale, 0.25f);
  auto c = read(llama({{"llama.rope.scaling.factor", MetaValue::f32(2.0f)},
                       {"llama.rope.scale_linear", MetaValue::f32(4.0f)}}));
  EXPECT_EQ(c.rope.freq_scale, 0.5f);
  auto none = read(llama({}));
  EXPECT_EQ(none.rope_scaling, model::RopeScaling::None);
  EXPECT_EQ(none.rope.freq_scale, 1.0f);
  EXPECT_EQ(none.rope.attn_factor, 1.0f);
}

TEST(RopeScaling, TypeNoneNeverScalesAndLongRopeDoes) {
  auto none = read(llama({{"llama.rope.scaling.type", MetaValue::string("none")},
                          {"llama.rope.scaling.factor", MetaValue::f32(2.0f)}}));
  EXPECT_EQ(none.rope.freq_scale, 1.0f);
  // llama.cpp scales by 1/factor for LongRoPE too (heft's converter writes no factor for it).
  auto longrope = read(llama({{"llama.rope.scaling.type", MetaValue::string("longrope")},
                              {"llama.rope.scaling.factor", MetaValue::f32(2.0f)},
                              {"llama.rope.scaling.attn_factor", MetaValue::f32(1.25f)}}));
  EXPECT_EQ(longrope.rope.freq_scale, 0.5f);
  EXPECT_EQ(longrope.rope.ext_factor, 0.0f);
  EXPECT_EQ(longrope.rope.attn_factor, 1.25f);
}

TEST(RopeScaling, TypesLlamaCppDoesNotKnowAreRefused) {
  for (const char* type : {"llama3", "dynamic", "YARN", ""}) {
    auto h = model::read_hparams(llama({{"llama.rope.scaling.type", MetaValue::string(type)}}));
    ASSERT_FALSE(h) << type;
    EXPECT_NE(h.error().message.find("rope.scaling.type"), std::string::npos) << h.error().message;
  }
}

TEST(RopeScaling, YarnKeysLlamaCppIgnoresAreListedNotUsed) {
  auto h = read(llama({{"llama.rope.scaling.type", MetaValue::string("yarn")},
                       {"llama.rope.scaling.factor", MetaValue::f32(4.0f)},
                       {"llama.rope.scaling.yarn_beta_fast", MetaValue::f32(8.0f)},
                       {"llama.rope.scaling.yarn_attn_factor", MetaValue::f32(2.0f)},
                       {"llama.rope.scaling.yarn_ext_factor", MetaValue::f32(0.5f)}}));
  EXPECT_EQ(h.rope.beta_fast, 32.0f);
  EXPECT_EQ(h.rope.ext_factor, 1.0f);
  EXPECT_NEAR(model::rope_magnitude(h.rope), 1.0 + 0.1 * std::log(4.0), 1e-6);
  EXPECT_EQ(h.ignored_keys, (std::vector<std::string>{"llama.rope.scaling.yarn_ext_factor",
                                                      "llama.rope.scaling.yarn_attn_factor",
                                                      "llama.rope.scaling.yarn_beta_fast"}));
}
