// heft synth: the preset shapes, determinism by seed, and any file type.
#include <gtest/gtest.h>

#include <cstring>

#include "convert/synth.h"
#include "formats/gguf_reader.h"
#include "model/hparams.h"
#include "support/test_paths.h"
#include "util/mapped_file.h"

using namespace heft;

namespace {

std::string synth(const std::string& dir, const std::string& name, convert::SynthOptions opt) {
  opt.progress = false;
  std::string out = dir + "/" + name;
  auto r = convert::synthesize(out, opt);
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  return out;
}

bool same_bytes(const std::string& a, const std::string& b) {
  auto x = util::MappedFile::open(a), y = util::MappedFile::open(b);
  return x && y && (*x)->size() == (*y)->size() && std::memcmp((*x)->data(), (*y)->data(), (*x)->size()) == 0;
}

}  // namespace

TEST(Synth, MiniPresetHasTheStatedShape) {
  std::string dir = test::scratch_dir();
  auto mf = formats::read_gguf(synth(dir, "mini.gguf", {.preset = "mini", .type = "F32"}));
  ASSERT_TRUE(mf);
  auto hp = model::read_hparams(mf->metadata);
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->n_embd, 256u);
  EXPECT_EQ(hp->n_layer, 4u);
  EXPECT_EQ(hp->n_head, 8u);
  EXPECT_EQ(hp->n_head_kv, 4u);
  EXPECT_EQ(hp->n_ff, 768u);
  // The synthetic-mini model in ../shared has exactly this shape with a 2048-token vocabulary.
  EXPECT_EQ(mf->parameter_count(), 3672320u);
}

TEST(Synth, PresetsMatchTheModelsTheyImitate) {
  auto smol = convert::synth_preset("smollm-135m");
  auto tiny = convert::synth_preset("tinyllama-1.1b");
  ASSERT_TRUE(smol && tiny);
  // SmolLM-135M and TinyLlama-1.1B config.json values.
  EXPECT_EQ(smol->n_embd, 576u);
  EXPECT_EQ(smol->n_layer, 30u);
  EXPECT_EQ(smol->n_head_kv, 3u);
  EXPECT_EQ(smol->n_vocab, 49152u);
  EXPECT_EQ(tiny->n_embd, 2048u);
  EXPECT_EQ(tiny->n_layer, 22u);
  EXPECT_EQ(tiny->n_ff, 5632u);
  EXPECT_EQ(tiny->n_head_kv, 4u);
}

TEST(Synth, SameSeedSameFileOtherSeedOtherFile) {
  std::string dir = test::scratch_dir();
  std::string vocab = test::shared("models/TinyStories-656K-gguf/tinystories-656k-f32.gguf");
  auto a = synth(dir, "a.gguf", {.type = "Q8_0", .vocab_from = vocab, .seed = 7, .threads = 1});
  auto b = synth(dir, "b.gguf", {.type = "Q8_0", .vocab_from = vocab, .seed = 7, .threads = 2});
  auto c = synth(dir, "c.gguf", {.type = "Q8_0", .vocab_from = vocab, .seed = 8});
  EXPECT_TRUE(same_bytes(a, b));
  EXPECT_FALSE(same_bytes(a, c));
  auto mf = formats::read_gguf(a);
  ASSERT_TRUE(mf);
  EXPECT_EQ(mf->metadata.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(mf->tensor("blk.0.attn_q.weight")->type, formats::GgmlType::Q8_0);
  EXPECT_EQ(mf->tensor("blk.0.attn_norm.weight")->type, formats::GgmlType::F32);
}

TEST(Synth, MixturesFollowLlamaQuantizeChoices) {
  std::string dir = test::scratch_dir();
  auto mf = formats::read_gguf(synth(dir, "q4km.gguf", {.type = "Q4_K_M"}));
  ASSERT_TRUE(mf);
  auto ref = formats::read_gguf(test::shared("models/synthetic-mini-gguf/synthetic-mini-q4_k_m.gguf"));
  ASSERT_TRUE(ref);
  for (const auto& t : ref->tensors) {
    ASSERT_NE(mf->tensor(t.name), nullptr) << t.name;
    EXPECT_EQ(mf->tensor(t.name)->type, t.type) << t.name;
  }
}
