// Sampling settings: the model's defaults where none is given, and each value
// out of range refused with the setting named.
#include <gtest/gtest.h>

#include <cmath>

#include "session/sampling.h"

namespace heft::session {
namespace {

TEST(Sampling, ModelDefaultsApplyWhereUnset) {
  formats::Metadata md;
  md.set("general.sampling.temp", formats::MetaValue::f32(0.6f));
  md.set("general.sampling.top_k", formats::MetaValue::i32(20));
  SamplingSettings s;
  s.top_p = 0.5f;
  auto p = resolve_sampling(s, md, 100);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_FLOAT_EQ(p->temperature, 0.6f);
  EXPECT_EQ(p->top_k, 20);
  EXPECT_FLOAT_EQ(p->top_p, 0.5f);
  EXPECT_FLOAT_EQ(p->min_p, 0.05f);  // llama.cpp's default
}

TEST(Sampling, OutOfRangeNamesTheField) {
  formats::Metadata md;
  auto field = [&](SamplingSettings s) {
    auto p = resolve_sampling(s, md, 100);
    return p ? std::string("accepted") : p.error().field;
  };
  EXPECT_EQ(field({.temperature = -0.1f}), "temperature");
  EXPECT_EQ(field({.temperature = NAN}), "temperature");
  EXPECT_EQ(field({.top_p = 0.0f}), "top_p");
  EXPECT_EQ(field({.min_p = 1.5f}), "min_p");
  EXPECT_EQ(field({.typical_p = 0.0f}), "typical_p");
  EXPECT_EQ(field({.repeat_penalty = 0.0f}), "repeat_penalty");
  EXPECT_EQ(field({.presence_penalty = INFINITY}), "presence_penalty");
  EXPECT_EQ(field({.repeat_last_n = -1}), "repeat_last_n");
  EXPECT_EQ(field({.logit_bias = {{100, 1.0f}}}), "logit_bias");
  EXPECT_EQ(field({.logit_bias = {{99, -INFINITY}}}), "accepted");
  EXPECT_EQ(field({.temperature = 0.0f}), "accepted");
}

}  // namespace
}  // namespace heft::session
