// llama.cpp's own tokenizer test vectors (vocab/*.gguf.inp/.out): each text
// tokenized with add_special=false, parse_special=false must give exactly the
// ids on its .out line. The vectors of vocabularies whose GGUF is missing are
// run against the tokenizer.json the vocab README names as equivalent.
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>

#include "tokenizer_test_util.h"

namespace heft::test {
namespace {

struct VectorCase {
  std::string vectors;  // ggml-vocab-*.gguf (the .inp/.out base name)
  std::string model;    // what to load, relative to shared/
};

std::vector<VectorCase> cases() {
  return {
      {"ggml-vocab-bert-bge.gguf", "vocab/ggml-vocab-bert-bge.gguf"},
      {"ggml-vocab-deepseek-coder.gguf", "vocab/ggml-vocab-deepseek-coder.gguf"},
      {"ggml-vocab-deepseek-llm.gguf", "vocab/ggml-vocab-deepseek-llm.gguf"},
      {"ggml-vocab-falcon.gguf", "vocab/ggml-vocab-falcon.gguf"},
      {"ggml-vocab-gpt-2.gguf", "vocab/ggml-vocab-gpt-2.gguf"},
      {"ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-llama-spm.gguf"},
      {"ggml-vocab-mpt.gguf", "vocab/ggml-vocab-mpt.gguf"},
      {"ggml-vocab-phi-3.gguf", "vocab/ggml-vocab-phi-3.gguf"},
      {"ggml-vocab-refact.gguf", "vocab/ggml-vocab-refact.gguf"},
      {"ggml-vocab-starcoder.gguf", "vocab/ggml-vocab-starcoder.gguf"},
      // GGUF not available here; the README pairs these vectors with a tokenizer.json
      {"ggml-vocab-llama-bpe.gguf", "tokenizers/llama3"},
      {"ggml-vocab-qwen2.gguf", "tokenizers/qwen3"},
      {"ggml-vocab-gpt-2.gguf", "tokenizers/gpt2"},
      {"ggml-vocab-phi-3.gguf", "tokenizers/phi3"},
      {"ggml-vocab-llama-spm.gguf", "tokenizers/phi3"},
      {"ggml-vocab-bert-bge.gguf", "tokenizers/bert-base-uncased"},
  };
}

std::vector<std::string> split_inputs(const std::string& all) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t at = all.find(sep); at != std::string::npos; at = all.find(sep, pos)) {
    out.push_back(all.substr(pos, at - pos));
    pos = at + sep.size();
  }
  if (pos < all.size()) out.push_back(all.substr(pos));  // the piece after the last separator is empty in these files
  return out;
}

std::vector<std::vector<int32_t>> parse_outputs(const std::string& all) {
  std::vector<std::vector<int32_t>> out;
  size_t pos = 0;
  while (pos <= all.size()) {
    size_t nl = all.find('\n', pos);
    std::string line = all.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    std::vector<int32_t> ids;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ') ++j;
      if (j > i) ids.push_back(std::stoi(line.substr(i, j - i)));
      i = j;
    }
    out.push_back(std::move(ids));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

class VocabVectors : public ::testing::TestWithParam<VectorCase> {};

TEST_P(VocabVectors, MatchLlamaCppExpectedIds) {
  const VectorCase& c = GetParam();
  const tokenizer::Tokenizer* tok = cached_tokenizer(shared(c.model));
  ASSERT_NE(tok, nullptr);
  std::vector<std::string> inputs = split_inputs(slurp(shared("vocab/" + c.vectors + ".inp")));
  std::vector<std::vector<int32_t>> expected = parse_outputs(slurp(shared("vocab/" + c.vectors + ".out")));
  ASSERT_GE(inputs.size(), 40u);
  ASSERT_GE(expected.size(), inputs.size());
  size_t matched = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<int32_t> got = tok->encode(inputs[i], {.add_special = false, .parse_special = false});
    if (got == expected[i]) ++matched;
    else ADD_FAILURE() << "text " << i << " '" << inputs[i] << "'\n  got      " << ids_str(got) << "\n  expected "
                       << ids_str(expected[i]);
  }
  EXPECT_EQ(matched, inputs.size());
  std::printf("[ vectors  ] %s with %s: %zu/%zu\n", c.vectors.c_str(), c.model.c_str(), matched, inputs.size());
}

std::string case_name(const ::testing::TestParamInfo<VectorCase>& info) {
  std::string n = info.param.vectors + "_" + info.param.model;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shared, VocabVectors, ::testing::ValuesIn(cases()), case_name);

// Every vocabulary with vectors is covered above (a new file must be added to the list).
TEST(VocabVectors, EveryVectorFileWithAGgufIsListed) {
  std::set<std::string> listed;
  for (const VectorCase& c : cases()) listed.insert(c.vectors);
  for (const auto& e : std::filesystem::directory_iterator(shared("vocab"))) {
    std::string name = e.path().filename().string();
    if (!name.ends_with(".gguf.inp")) continue;
    std::string base = name.substr(0, name.size() - 4);
    if (std::filesystem::exists(shared("vocab/" + base))) {
      EXPECT_TRUE(listed.count(base)) << base;
    }
  }
}

}  // namespace
}  // namespace heft::test
