// config.json rope_scaling → GGUF keys: what llama.cpp's converter writes, and
// refusals where transformers would compute something heft does not.
#include <gtest/gtest.h>

#include "formats/hf_config.h"

using namespace heft;

namespace {

util::Result<formats::Metadata> translate(const std::string& rope_scaling) {
  auto cfg = util::Json::parse(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 2,
                                   "num_hidden_layers": 1, "max_position_embeddings": 512, "rope_scaling": )" +
                               rope_scaling + "}");
  EXPECT_TRUE(cfg);
  formats::Metadata md;
  HEFT_TRY(formats::translate_hf_config(*cfg, md, "config.json"));
  return md;
}

}  // namespace

TEST(HfConfigRope, YarnWritesWhatLlamaCppsConverterWrites) {
  auto md = translate(R"({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 128,
                          "beta_fast": 32, "beta_slow": 1, "attention_factor": 1.1386294361119890})");
  ASSERT_TRUE(md) << md.error().to_string();
  EXPECT_EQ(md->get_string("qwen2.rope.scaling.type"), "yarn");
  EXPECT_EQ(md->get_float("qwen2.rope.scaling.factor"), 4.0);
  EXPECT_EQ(md->get_int("qwen2.rope.scaling.original_context_length"), 128);
  EXPECT_EQ(md->get_float("qwen2.rope.scaling.yarn_beta_fast"), 32.0);
  EXPECT_EQ(md->get_float("qwen2.rope.scaling.yarn_beta_slow"), 1.0);
  EXPECT_TRUE(md->contains("qwen2.rope.scaling.yarn_attn_factor"));
}

TEST(HfConfigRope, YarnSettingsHeftWouldNotApplyAreRefused) {
  for (const char* rs : {R"({"type": "yarn", "factor": 4.0, "beta_fast": 8})",
                         R"({"type": "yarn", "factor": 4.0, "beta_slow": 2})",
                         R"({"type": "yarn", "factor": 4.0, "attention_factor": 1.0})",
                         R"({"type": "yarn", "factor": 4.0, "mscale": 1.0, "mscale_all_dim": 1.0})",
                         R"({"type": "yarn", "factor": 4.0, "truncate": false})",
                         R"({"type": "yarn", "factor": 4.0, "extrapolation_factor": 0.5})"}) {
    auto md = translate(rs);
    ASSERT_FALSE(md) << rs;
    EXPECT_NE(md.error().message.find("rope_scaling"), std::string::npos) << md.error().message;
  }
}

TEST(HfConfigRope, UnknownTypesAreRefusedAndLongRopeHasNoFactor) {
  auto dynamic = translate(R"({"type": "dynamic", "factor": 2.0})");
  ASSERT_FALSE(dynamic);
  EXPECT_NE(dynamic.error().message.find("'dynamic' is not supported"), std::string::npos) << dynamic.error().message;
  auto none = translate(R"({"rope_type": "default"})");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->contains("qwen2.rope.scaling.type"));
  // transformers uses a LongRoPE factor for the attention factor only; llama.cpp would scale angles by it.
  auto longrope = translate(R"({"type": "longrope", "factor": 4.0, "long_factor": [1], "short_factor": [1]})");
  ASSERT_TRUE(longrope);
  EXPECT_EQ(longrope->get_string("qwen2.rope.scaling.type"), "longrope");
  EXPECT_FALSE(longrope->contains("qwen2.rope.scaling.factor"));
}
