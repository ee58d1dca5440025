// Parameter counts and tensor tables of the shared models, against the values
// their READMEs state (../shared/models/README.md, ../shared/golden/README.md).
#include <gtest/gtest.h>

#include <map>

#include "formats/open_model.h"
#include "support/test_paths.h"

using namespace heft;

namespace {

std::map<std::string, int> types_of(const formats::ModelFile& mf) {
  std::map<std::string, int> out;
  for (const auto& t : mf.tensors) out[std::string(formats::type_name(t.type))]++;
  return out;
}

}  // namespace

TEST(KnownModels, TinyStoriesGguf) {
  for (const char* file : {"tinystories-656k-f32.gguf", "tinystories-656k-q8_0.gguf"}) {
    auto mf = formats::open_model(test::shared(std::string("models/TinyStories-656K-gguf/") + file));
    ASSERT_TRUE(mf) << mf.error().to_string();
    EXPECT_EQ(mf->parameter_count(), 656000u);
    EXPECT_EQ(mf->tensors.size(), 20u);
    EXPECT_EQ(mf->metadata.get_int("llama.block_count"), 2);
    EXPECT_EQ(mf->metadata.get_int("llama.embedding_length"), 128);
    EXPECT_EQ(mf->metadata.get_int("llama.feed_forward_length"), 384);
    EXPECT_EQ(mf->metadata.get_int("llama.attention.head_count_kv"), 4);
    EXPECT_EQ(mf->metadata.get_string("tokenizer.ggml.model"), "llama");
    EXPECT_EQ(mf->tensor("output.weight"), nullptr);  // tied
    ASSERT_NE(mf->tensor("token_embd.weight"), nullptr);
    EXPECT_EQ(mf->tensor("token_embd.weight")->shape, (std::vector<uint64_t>{128, 2048}));
  }
  auto q8 = formats::open_model(test::shared("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf"));
  EXPECT_EQ(types_of(*q8), (std::map<std::string, int>{{"Q8_0", 15}, {"F32", 5}}));
}

TEST(KnownModels, SyntheticMiniTypeMixtures) {
  const std::map<std::string, std::map<std::string, int>> expected = {
      {"q8_0", {{"Q8_0", 29}, {"F32", 9}}},
      {"q4_0", {{"Q4_0", 28}, {"Q6_K", 1}, {"F32", 9}}},
      {"q4_1", {{"Q4_1", 28}, {"Q6_K", 1}, {"F32", 9}}},
      {"q5_0", {{"Q5_0", 28}, {"Q6_K", 1}, {"F32", 9}}},
      {"q5_1", {{"Q5_1", 28}, {"Q6_K", 1}, {"F32", 9}}},
      {"q2_k", {{"Q2_K", 16}, {"Q3_K", 12}, {"Q6_K", 1}, {"F32", 9}}},
      {"q3_k_m", {{"Q3_K", 16}, {"Q4_K", 10}, {"Q5_K", 2}, {"Q6_K", 1}, {"F32", 9}}},
      {"q4_k_m", {{"Q4_K", 24}, {"Q6_K", 5}, {"F32", 9}}},
      {"q5_k_m", {{"Q5_K", 24}, {"Q6_K", 5}, {"F32", 9}}},
      {"q6_k", {{"Q6_K", 29}, {"F32", 9}}},
      {"f32", {{"F32", 38}}},
  };
  for (const auto& [suffix, types] : expected) {
    SCOPED_TRACE(suffix);
    auto mf = formats::open_model(test::shared("models/synthetic-mini-gguf/synthetic-mini-" + suffix + ".gguf"));
    ASSERT_TRUE(mf) << mf.error().to_string();
    EXPECT_EQ(mf->parameter_count(), 3672320u);
    EXPECT_EQ(types_of(*mf), types);
  }
}

TEST(KnownModels, TinyStoriesHfFolder) {
  auto mf = formats::open_model(test::shared("models/TinyStories-656K"));
  ASSERT_TRUE(mf) << mf.error().to_string();
  EXPECT_EQ(mf->format, formats::FileFormat::HfFolder);
  EXPECT_EQ(mf->parameter_count(), 656000u);  // lm_head stored once, embeddings tied to it
  EXPECT_EQ(mf->tensors.size(), 20u);
  EXPECT_EQ(mf->metadata.get_string("general.architecture"), "llama");
  EXPECT_EQ(mf->metadata.get_int("llama.attention.head_count"), 8);
  EXPECT_EQ(mf->metadata.get_int("llama.attention.head_count_kv"), 4);
  EXPECT_EQ(mf->metadata.get_int("llama.context_length"), 512);
  EXPECT_EQ(mf->metadata.get_float("llama.rope.freq_base"), 10000.0);
  EXPECT_NEAR(*mf->metadata.get_float("llama.attention.layer_norm_rms_epsilon"), 1e-6, 1e-12);
  EXPECT_EQ(mf->metadata.get_string("general.license"), "other");
  EXPECT_EQ(mf->metadata.get_string("general.license.name"), "upstream-unstated");
  EXPECT_EQ(mf->metadata.get_string("general.base_model.0.repo_url"),
            "https://huggingface.co/raincandy-u/TinyStories-656K");
  EXPECT_EQ(mf->metadata.get_string("safetensors.model.embed_tokens.weight"), "lm_head.weight");
  const auto* lm = mf->tensor("lm_head.weight");
  ASSERT_NE(lm, nullptr);
  EXPECT_EQ(lm->shape, (std::vector<uint64_t>{128, 2048}));  // safetensors [2048, 128], reversed
}

TEST(KnownModels, Stories260KLlama2c) {
  auto mf = formats::open_model(test::shared("models/stories260K-llama2c/stories260K.bin"));
  ASSERT_TRUE(mf) << mf.error().to_string();
  EXPECT_EQ(mf->format, formats::FileFormat::Llama2c);
  // dim 64, 5 layers, 8 heads, 4 KV heads, hidden 172, vocab 512, shared classifier.
  const uint64_t expected = 512 * 64 + 5 * (64 + 64 * 64 * 2 + 64 * 32 * 2 + 64 + 172 * 64 * 3) + 64;
  EXPECT_EQ(mf->parameter_count(), expected);
  EXPECT_EQ(mf->tensors.size(), 1u + 5 * 9 + 1);
  EXPECT_EQ(mf->metadata.get_int("llama.attention.head_count_kv"), 4);
  EXPECT_EQ(mf->metadata.get_int("llama.feed_forward_length"), 172);
  EXPECT_EQ(mf->tensor("blk.4.ffn_down.weight")->shape, (std::vector<uint64_t>{172, 64}));
  // The first embedding value lies right after the 28-byte header.
  EXPECT_EQ(mf->tensor("token_embd.weight")->data, mf->mappings[0]->data() + 28);
}

TEST(KnownModels, PickleIsRefusedWithoutRunningIt) {
  for (const char* p : {"models/pickle-tiny-random-llama", "models/pickle-tiny-random-llama/pytorch_model.bin"}) {
    auto r = test::run_command(test::shell_quote(test::heft_binary()) + " inspect " + test::shell_quote(test::shared(p)));
    EXPECT_EQ(r.status, 1) << p;
    EXPECT_NE(r.err.find("pickle"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("safetensors"), std::string::npos) << r.err;
    // The checkpoint names builtins.print: a loader that unpickled it would print.
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line of error";
  }
}
