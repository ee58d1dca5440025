// `heft run --temp 0 -n 64` and `heft perplexity` end to end (tokenizer, prompt
// batch, generation) against llama.cpp's greedy ids and perplexities in
// ../shared/golden, under every SIMD target this machine runs (HEFT_SIMD).
#include "cli/cli_helpers.h"
#include "support/simd_targets.h"

using namespace heft;

namespace {

// Generated ids for each dev prompt, with the prompt ids checked on the way.
std::vector<std::vector<int64_t>> run_all(const std::string& model, const std::string& cache) {
  util::Json g = test::load_json(test::shared("golden/prompts-dev.json"));
  std::vector<std::vector<int64_t>> out;
  for (const auto& p : g.find("prompts")->as_array()) {
    util::Json r = test::heft_json({"run", test::shared(model), "-p", p.get_string("prompt"), "-n", "64", "--temp", "0",
                                    "--cache-type", cache, "-t", "2", "--json"});
    EXPECT_EQ(test::int_list(r.find("prompt_tokens")), test::int_list(p.find("prompt_ids"))) << p.get_string("prompt");
    EXPECT_EQ(r.get_string("stop_reason"), "max_tokens");
    out.push_back(test::int_list(r.find("tokens")));
  }
  return out;
}

std::vector<std::vector<int64_t>> golden(const char* key) {
  util::Json g = test::load_json(test::shared("golden/prompts-dev.json"));
  std::vector<std::vector<int64_t>> out;
  for (const auto& p : g.find("prompts")->as_array()) out.push_back(test::int_list(p.find(key)));
  return out;
}

}  // namespace

TEST(RunGolden, F32ModelF32CacheEqualsLlamaCpp) {
  test::for_each_simd_target([](kernels::SimdTarget) {
    EXPECT_EQ(run_all(test::kTinyF32, "f32"), golden("llama_cpp_f32_exact"));
  });
}

TEST(RunGolden, Q8ModelF32CacheEqualsLlamaCpp) {
  test::for_each_simd_target([](kernels::SimdTarget) {
    EXPECT_EQ(run_all(test::kTinyQ8, "f32"), golden("llama_cpp_q8_0_f32_exact"));
  });
}

TEST(RunGolden, DefaultF16CacheAtLeastTenOfTwelve) {
  test::for_each_simd_target([](kernels::SimdTarget) {
    auto ours = run_all(test::kTinyF32, "f16");
    auto ref = golden("llama_cpp_f32_kv_f16");
    int equal = 0;
    for (size_t i = 0; i < ref.size(); ++i) equal += ours[i] == ref[i];
    EXPECT_GE(equal, 10);
  });
}

TEST(RunGolden, PerplexityEqualsLlamaPerplexity) {
  test::for_each_simd_target([](kernels::SimdTarget) {
  util::Json g = test::load_json(test::shared("golden/perplexity.json"));
  const util::Json& results = *g.find("results");
  for (auto [file, key] : {std::pair{test::kTinyF32, "tinystories-656k-f32"}, std::pair{test::kTinyQ8, "tinystories-656k-q8_0"}}) {
    for (auto [cache, setting, tol] : {std::tuple{"f32", "F32_kv_f32_fa_off", 1e-4}, std::tuple{"f16", "default", 1e-3}}) {
      util::Json r = test::heft_json({"perplexity", test::shared(file), "-f", test::shared("golden/story-dev.txt"), "-c",
                                      "128", "--cache-type", cache, "--json"});
      const double ref = results.find(key)->find(setting)->get_double("ppl", 0);
      EXPECT_NEAR(r.get_double("perplexity", 0) / ref, 1.0, tol) << file << " " << setting;
      EXPECT_EQ(r.get_int("chunks", 0), results.find(key)->find(setting)->get_int("chunks", -1));
      EXPECT_EQ(r.get_int("tokens_scored", 0), 8 * 63);
    }
  }
  });
}

TEST(RunGolden, HfFolderRunsDirectlyWithHuggingFacesTokenizer) {
  // The folder is tokenized as Hugging Face does (hf_prompt_ids); with those ids
  // llama.cpp's greedy continuation is llama_cpp_f32_exact_from_hf_ids.
  util::Json g = test::load_json(test::shared("golden/prompts-dev.json"));
  test::for_each_simd_target([&](kernels::SimdTarget) {
  for (const auto& p : g.find("prompts")->as_array()) {
    util::Json r = test::heft_json({"run", test::shared("models/TinyStories-656K"), "-p", p.get_string("prompt"), "-n",
                                    "64", "--temp", "0", "--cache-type", "f32", "--ignore-eos", "--json"});
    EXPECT_EQ(test::int_list(r.find("prompt_tokens")), test::int_list(p.find("hf_prompt_ids"))) << p.get_string("prompt");
    EXPECT_EQ(test::int_list(r.find("tokens")), test::int_list(p.find("llama_cpp_f32_exact_from_hf_ids")))
        << p.get_string("prompt");
  }
  });
}

// ../shared/models/synthetic-mini-gguf/perplexity.json: llama-perplexity -c 128, F32 cache, made by
// llama.cpp's AVX-512 build. Random weights amplify rounding (a last-bit difference flips an
// activation's quantization step), so the tolerance depends on whether heft keeps llama.cpp's float
// order for the file's types on the target in use:
// - F32, Q8_0 and the legacy types: every target keeps ggml's x86 order (kernels/gemm.h); the k-quants
//   on AVX2 and AVX-VNNI keep llama.cpp's x86 order too (vec_dot_x86: ggml's AVX2 vec_dot for
//   Q3_K/Q5_K/Q6_K, its repacked gemm for Q2_K/Q4_K). Measured 0.9e-8 to 2.3e-8 of llama.cpp's values,
//   which are printed to 4 decimals (1.8e-8 of 2800): 1e-6.
// - the k-quants elsewhere (scalar: ggml's generic order; AVX-512: heft's transposed tiles) sum in
//   other orders. The spread of such orders, measured on these files: heft's scalar order 0.9-6.5e-4
//   from the values, llama.cpp's own AVX2 build 1.4-6.1e-4 from its AVX-512 build (issue 14: q5_k_m
//   2800.3685, q4_k_m 2824.4934, q2_k 2911.8062, q6_k 2822.8248): 1e-3, about 1.5x the widest.
TEST(RunGolden, EverySyntheticMiniTypeMatchesLlamaPerplexity) {
  util::Json ref = test::load_json(test::shared("models/synthetic-mini-gguf/perplexity.json"));
  test::for_each_simd_target([&](kernels::SimdTarget target) {
    const bool x86_order = target == kernels::SimdTarget::Avx2 || target == kernels::SimdTarget::AvxVnni;
    for (const auto& [name, r] : ref.find("results")->as_object()) {
      SCOPED_TRACE(name);
      util::Json ours = test::heft_json({"perplexity", test::shared("models/synthetic-mini-gguf/synthetic-mini-" + name + ".gguf"),
                                         "-f", test::shared("golden/story-dev.txt"), "-c", "128", "--cache-type", "f32", "--json"});
      const double want = r.get_double("ppl", 0);
      const bool k_quant = name.find("_k") != std::string::npos;
      EXPECT_NEAR(ours.get_double("perplexity", 0) / want, 1.0, k_quant && !x86_order ? 1e-3 : 1e-6) << ours.get_double("perplexity", 0);
    }
  });
}
