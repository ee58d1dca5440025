// Tokenizer speed: loading Llama 3's tokenizer.json (minified 6 MB as shipped
// in shared/, and re-indented to the original's 9 MB layout) and encoding
// 1 MB of mixed English text and code. Inputs are built at start-up in a temp
// folder (the system temp dir's heft-bench-tokenizer/) from shared/ and this
// repository's sources. docs/performance.md
// records the numbers (bench/tokenizer_speed.sh runs this).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace {

namespace fs = std::filesystem;
using heft::tokenizer::Tokenizer;

std::string shared_path(const std::string& rel) { return std::string(HEFT_SHARED_DIR) + "/" + rel; }

std::string read(const std::string& p) {
  auto r = heft::util::read_file(p);
  if (!r) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", r.error().to_string().c_str());
    std::exit(1);
  }
  return *r;
}

struct Inputs {
  std::string minified;  // shared llama3 tokenizer.json
  std::string pretty;    // the same, re-indented (about 9 MB, like the original file)
  std::string text;      // 1,000,000 bytes of English prose and C++ code
};

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs i;
    i.minified = shared_path("tokenizers/llama3/tokenizer.json");
    fs::path dir = fs::temp_directory_path() / "heft-bench-tokenizer";
    fs::create_directories(dir);
    i.pretty = (dir / "tokenizer.json").string();
    if (!fs::exists(i.pretty)) {
      auto j = heft::util::Json::parse(read(i.minified));
      std::ofstream(i.pretty, std::ios::binary) << j->dump(2);
    }
    std::string english = read(shared_path("golden/story-dev.txt"));
    std::string code;
    for (const char* f : {"src/tokenizer/bpe.cpp", "src/tokenizer/hf_loader.cpp", "src/tokenizer/llama_pipeline.cpp",
                          "src/tokenizer/pre_tokenizer.cpp", "src/tokenizer/unicode.cpp"})
      code += read(std::string(HEFT_SOURCE_DIR) + "/" + f);
    while (i.text.size() < 1000000) i.text += english + "\n" + code + "\n";
    i.text.resize(1000000);
    while (!i.text.empty() && (static_cast<unsigned char>(i.text.back()) & 0xC0) == 0x80) i.text.pop_back();
    std::ofstream(dir / "text.txt", std::ios::binary) << i.text;  // for timing the CLI on the same input
    return i;
  }();
  return in;
}

void BM_LoadTokenizerJson(benchmark::State& state, bool pretty) {
  const std::string& path = pretty ? inputs().pretty : inputs().minified;
  state.counters["MB"] = static_cast<double>(fs::file_size(path)) / 1e6;
  for (auto _ : state) {
    auto t = heft::tokenizer::load_tokenizer_json(path);
    if (!t) state.SkipWithError(t.error().to_string().c_str());
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK_CAPTURE(BM_LoadTokenizerJson, llama3_pretty_9MB, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadTokenizerJson, llama3_minified_6MB, false)->Unit(benchmark::kMillisecond);

const Tokenizer& tokenizer(const std::string& path) {
  static std::map<std::string, Tokenizer> cache;
  auto it = cache.find(path);
  if (it == cache.end()) {
    auto t = heft::tokenizer::load_tokenizer_path(path);
    if (!t) {
      std::fprintf(stderr, "bench_tokenizer: %s\n", t.error().to_string().c_str());
      std::exit(1);
    }
    it = cache.emplace(path, std::move(*t)).first;
  }
  return it->second;
}

void BM_Encode1MB(benchmark::State& state, const char* model) {
  const Tokenizer& tok = tokenizer(shared_path(model));
  const std::string& text = inputs().text;
  size_t n = 0;
  for (auto _ : state) {
    auto ids = tok.encode(text, {.add_special = false});
    n = ids.size();
    benchmark::DoNotOptimize(ids);
  }
  state.counters["tokens"] = static_cast<double>(n);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK_CAPTURE(BM_Encode1MB, llama3_tokenizer_json, "tokenizers/llama3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode1MB, qwen3_tokenizer_json, "tokenizers/qwen3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode1MB, gpt2_gguf, "vocab/ggml-vocab-gpt-2.gguf")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode1MB, llama_spm_gguf, "vocab/ggml-vocab-llama-spm.gguf")->Unit(benchmark::kMillisecond);

void BM_Decode(benchmark::State& state) {
  const Tokenizer& tok = tokenizer(shared_path("tokenizers/llama3"));
  std::vector<int32_t> ids = tok.encode(inputs().text, {.add_special = false});
  for (auto _ : state) benchmark::DoNotOptimize(tok.decode(ids));
  state.counters["tokens"] = static_cast<double>(ids.size());
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
