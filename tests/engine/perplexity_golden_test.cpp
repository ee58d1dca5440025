// Perplexity on ../shared/golden/story-dev.txt against llama-perplexity
// (../shared/golden/perplexity.json): within 0.01% with an F32 cache, 0.1% with
// the default F16 cache, under every SIMD target this machine runs. The text
// goes through heft's own tokenizer.
#include "engine/engine_fixture.h"
#include "support/simd_targets.h"
#include "engine/perplexity.h"
#include "tokenizer/tokenizer.h"

using namespace heft;

namespace {

double run(const char* file, engine::CacheType cache) {
  auto mf = formats::open_model(test::shared(std::string("models/TinyStories-656K-gguf/") + file));
  EXPECT_TRUE(mf);
  auto tok = tokenizer::load_tokenizer(*mf);
  EXPECT_TRUE(tok) << (tok ? "" : tok.error().to_string());
  auto m = model::load_model(std::move(*mf));
  EXPECT_TRUE(m);
  auto text = util::read_file(test::shared("golden/story-dev.txt"));
  auto ids = tok->encode(*text, {.add_special = true, .parse_special = true});
  auto ctx = engine::Context::create(**m, {.n_ctx = 128, .cache_type = cache, .n_threads = 2, .n_batch = 512});
  EXPECT_TRUE(ctx);
  auto r = engine::perplexity(**ctx, ids, 128, tok->bos());
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  EXPECT_EQ(r->chunks, 8);
  EXPECT_EQ(r->tokens_scored, 8 * 63);
  return r->perplexity;
}

double reference(const char* model, const char* setting) {
  util::Json g = test::golden("perplexity.json");
  return g.find("results")->find(model)->find(setting)->get_double("ppl", 0);
}

}  // namespace

TEST(PerplexityGolden, F32CacheWithinOneHundredthOfAPercent) {
  test::for_each_simd_target([](kernels::SimdTarget) {
  for (auto [file, key] : {std::pair{"tinystories-656k-f32.gguf", "tinystories-656k-f32"},
                           std::pair{"tinystories-656k-q8_0.gguf", "tinystories-656k-q8_0"}}) {
    double ours = run(file, engine::CacheType::F32);
    double ref = reference(key, "F32_kv_f32_fa_off");
    EXPECT_NEAR(ours / ref, 1.0, 1e-4) << file << ": heft " << ours << " llama.cpp " << ref;
  }
  });
}

TEST(PerplexityGolden, DefaultF16CacheWithinATenthOfAPercent) {
  test::for_each_simd_target([](kernels::SimdTarget) {
  for (auto [file, key] : {std::pair{"tinystories-656k-f32.gguf", "tinystories-656k-f32"},
                           std::pair{"tinystories-656k-q8_0.gguf", "tinystories-656k-q8_0"}}) {
    double ours = run(file, engine::CacheType::F16);
    double ref = reference(key, "default");
    EXPECT_NEAR(ours / ref, 1.0, 1e-3) << file << ": heft " << ours << " llama.cpp " << ref;
  }
  });
}
