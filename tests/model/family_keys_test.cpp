// Keys whose meaning depends on the family, read as llama.cpp reads them:
// the norm epsilon of the family's own kind, and sliding windows only for
// families that have sliding-window layers.
#include <gtest/gtest.h>

#include "model/hparams.h"

using namespace heft;
using formats::MetaValue;

namespace {

formats::Metadata base(const std::string& arch) {
  formats::Metadata md;
  md.set("general.architecture", MetaValue::string(arch));
  md.set(arch + ".block_count", MetaValue::u32(4));
  md.set(arch + ".embedding_length", MetaValue::u32(64));
  md.set(arch + ".attention.head_count", MetaValue::u32(2));
  return md;
}

util::Result<model::Hparams> family(const formats::Metadata& md) {
  auto h = HEFT_TRY(model::read_hparams(md));
  HEFT_TRY(model::apply_family(h, md, *model::find_arch(h.arch)));
  return h;
}

}  // namespace

TEST(FamilyKeys, NormEpsilonOfTheOtherKindIsRefused) {
  auto llama = base("llama");
  llama.set("llama.attention.layer_norm_epsilon", MetaValue::f32(1e-3f));
  auto r = family(llama);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("llama.attention.layer_norm_rms_epsilon"), std::string::npos) << r.error().message;
  // GPT-2 reads the LayerNorm key even when an RMS one is there too.
  auto gpt2 = base("gpt2");
  gpt2.set("gpt2.attention.layer_norm_rms_epsilon", MetaValue::f32(1e-6f));
  gpt2.set("gpt2.attention.layer_norm_epsilon", MetaValue::f32(1e-3f));
  auto g = family(gpt2);
  ASSERT_TRUE(g) << g.error().to_string();
  EXPECT_EQ(g->norm_eps, 1e-3f);
  EXPECT_FALSE(g->norm_is_rms);
}

TEST(FamilyKeys, SlidingWindowsOnlyWhereTheFamilyHasThem) {
  for (const char* arch : {"llama", "qwen2", "phi3"}) {
    auto md = base(arch);
    md.set(std::string(arch) + ".attention.sliding_window", MetaValue::u32(8));
    md.set(std::string(arch) + ".attention.sliding_window_pattern", MetaValue::u32(2));
    auto h = family(md);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->n_swa, 0u) << arch;
    for (uint32_t l = 0; l < 4; ++l) EXPECT_FALSE(h->is_swa(l)) << arch;
    EXPECT_EQ(h->ignored_keys, (std::vector<std::string>{std::string(arch) + ".attention.sliding_window",
                                                         std::string(arch) + ".attention.sliding_window_pattern"}));
  }
  auto gemma2 = base("gemma2");
  gemma2.set("gemma2.attention.sliding_window", MetaValue::u32(8));
  auto h = family(gemma2);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->is_swa(0));
  EXPECT_FALSE(h->is_swa(1));
  EXPECT_TRUE(h->ignored_keys.empty());
}

TEST(FamilyKeys, GemmaDefaultsAreLlamaCpps) {
  // Gemma 2 slides over 4096 tokens when the file does not say; its local layers use the global base.
  auto gemma2 = base("gemma2");
  gemma2.set("gemma2.rope.freq_base", MetaValue::f32(5e5f));
  auto g2 = family(gemma2);
  ASSERT_TRUE(g2);
  EXPECT_EQ(g2->n_swa, 4096u);
  EXPECT_EQ(g2->rope_freq_base_swa, 5e5f);
  // Gemma 3's local layers use base 10000 unless rope.freq_base_swa says otherwise.
  auto gemma3 = base("gemma3");
  gemma3.set("gemma3.rope.freq_base", MetaValue::f32(1e6f));
  gemma3.set("gemma3.attention.sliding_window", MetaValue::u32(8));
  auto g3 = family(gemma3);
  ASSERT_TRUE(g3);
  EXPECT_EQ(g3->rope_freq_base_swa, 10000.0f);
  gemma3.set("gemma3.rope.freq_base_swa", MetaValue::f32(100.0f));
  EXPECT_EQ(family(gemma3)->rope_freq_base_swa, 100.0f);
  // Without a window Gemma 3 has no sliding-window layers at all.
  auto plain3 = base("gemma3");
  EXPECT_EQ(family(plain3)->n_swa, 0u);
}
