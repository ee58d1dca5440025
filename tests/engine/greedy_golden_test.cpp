// heft's greedy continuations against llama.cpp's (../shared/golden/prompts-dev.json):
// exact with an F32 cache, and with the default F16 cache on at least 10 of 12
// prompts (near-ties in top2_margins can flip under half-precision keys); under
// every SIMD target this machine runs.
#include "engine/engine_fixture.h"
#include "support/simd_targets.h"

using namespace heft;

namespace {

int first_difference(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (a[i] != b[i]) return static_cast<int>(i);
  return a.size() == b.size() ? -1 : static_cast<int>(std::min(a.size(), b.size()));
}

void expect_exact(const char* model_file, const char* key) {
  auto m = test::load(std::string("models/TinyStories-656K-gguf/") + model_file);
  ASSERT_TRUE(m);
  util::Json g = test::golden("prompts-dev.json");
  const auto& prompts = g.find("prompts")->as_array();
  ASSERT_EQ(prompts.size(), 12u);
  for (const auto& p : prompts) {
    auto prompt = test::ids(*p.find("prompt_ids"));
    auto expected = test::ids(*p.find(key));
    auto got = test::greedy(*m, prompt, static_cast<int>(expected.size()), engine::CacheType::F32, 2);
    EXPECT_EQ(first_difference(got, expected), -1) << p.get_string("prompt") << " (" << key << ")";
  }
}

}  // namespace

TEST(GreedyGolden, F32ModelF32CacheIsExact) {
  test::for_each_simd_target([](kernels::SimdTarget) { expect_exact("tinystories-656k-f32.gguf", "llama_cpp_f32_exact"); });
}

TEST(GreedyGolden, Q8ModelF32CacheIsExact) {
  test::for_each_simd_target([](kernels::SimdTarget) { expect_exact("tinystories-656k-q8_0.gguf", "llama_cpp_q8_0_f32_exact"); });
}

TEST(GreedyGolden, F16CacheMatchesAtLeastTenOfTwelve) {
  auto m = test::load("models/TinyStories-656K-gguf/tinystories-656k-f32.gguf");
  ASSERT_TRUE(m);
  util::Json g = test::golden("prompts-dev.json");
  test::for_each_simd_target([&](kernels::SimdTarget) {
    int equal = 0;
    for (const auto& p : g.find("prompts")->as_array()) {
      auto expected = test::ids(*p.find("llama_cpp_f32_kv_f16"));
      auto got = test::greedy(*m, test::ids(*p.find("prompt_ids")), 64, engine::CacheType::F16, 2);
      equal += got == expected;
    }
    EXPECT_GE(equal, 10);
  });
}

TEST(GreedyGolden, SameIdsForAnyThreadCount) {
  auto m = test::load("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf");
  ASSERT_TRUE(m);
  util::Json g = test::golden("prompts-dev.json");
  auto prompt = test::ids(*g.find("prompts")->as_array()[0].find("prompt_ids"));
  auto one = test::greedy(*m, prompt, 48, engine::CacheType::F16, 1);
  for (unsigned t : {2u, 3u, 5u}) EXPECT_EQ(test::greedy(*m, prompt, 48, engine::CacheType::F16, t), one) << t;
}
