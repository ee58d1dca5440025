// Hugging Face tokenizers' ids for the real tokenizer.json files
// (tokenizers/ids-dev.json, produced by the npm package tokenizers 0.23.2).
// tokenizers matches special-token text inside the input in both modes, which
// is heft's parse_special; add_special_tokens is heft's add_special.
#include <cstdio>
#include <map>

#include "formats/model_file.h"
#include "formats/open_model.h"
#include "tokenizer_test_util.h"

namespace heft::test {
namespace {

TEST(HfReference, IdsDevMatchTokenizers) {
  util::Json recs = load_json(shared("tokenizers/ids-dev.json"));
  ASSERT_TRUE(recs.is_array());
  ASSERT_EQ(recs.size(), 560u);
  std::map<std::string, std::pair<size_t, size_t>> per;  // tokenizer -> (matched, total)
  for (const util::Json& r : recs.as_array()) {
    std::string name = r.get_string("tokenizer");
    const tokenizer::Tokenizer* tok = cached_tokenizer(shared("tokenizers/" + name));
    ASSERT_NE(tok, nullptr) << name;
    std::string text = r.get_string("text");
    bool add = r.get_bool("add_special_tokens", false);
    std::vector<int32_t> want = json_ids(*r.find("ids"));
    std::vector<int32_t> got = tok->encode(text, {.add_special = add, .parse_special = true});
    auto& [ok, total] = per[name];
    ++total;
    if (got == want) ++ok;
    else ADD_FAILURE() << name << " add_special=" << add << " '" << text << "'\n  got      " << ids_str(got)
                       << "\n  expected " << ids_str(want);
  }
  for (const auto& [name, c] : per) std::printf("[ ids-dev  ] %-18s %zu/%zu\n", name.c_str(), c.first, c.second);
}

// The tokenizer.json files agree with llama.cpp's GGUF vectors for the same vocabulary.
TEST(HfReference, Llama3AddsBeginOfTextAndStopsOnEot) {
  const tokenizer::Tokenizer* tok = cached_tokenizer(shared("tokenizers/llama3"));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("Hello", {.add_special = true}), (std::vector<int32_t>{128000, 9906}));
  EXPECT_TRUE(tok->adds_bos());
  EXPECT_EQ(tok->eos(), 128009);  // tokenizer_config.json: <|eot_id|>
  EXPECT_TRUE(tok->is_eog(128009));
  EXPECT_TRUE(tok->is_eog(128001));  // <|end_of_text|> by text
  EXPECT_FALSE(tok->is_eog(9906));
  EXPECT_EQ(tok->find_token("<|eot_id|>"), 128009);
  EXPECT_EQ(tok->kind(), tokenizer::ModelKind::Bpe);
  EXPECT_EQ(tok->reference(), tokenizer::Reference::HuggingFace);
}

}  // namespace
}  // namespace heft::test

namespace heft::test {
namespace {

// The seam the engine uses: a ModelFile from formats/, GGUF or HF folder.
TEST(LoadTokenizer, FromModelFile) {
  auto gguf = formats::open_model(shared("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf"));
  ASSERT_TRUE(gguf.has_value()) << gguf.error().to_string();
  auto a = tokenizer::load_tokenizer(*gguf);
  ASSERT_TRUE(a.has_value()) << a.error().to_string();
  EXPECT_EQ(a->reference(), tokenizer::Reference::LlamaCpp);
  formats::ModelFile folder;
  folder.format = formats::FileFormat::HfFolder;
  folder.path = shared("models/TinyStories-656K");
  auto b = tokenizer::load_tokenizer(folder);
  ASSERT_TRUE(b.has_value()) << b.error().to_string();
  EXPECT_EQ(b->reference(), tokenizer::Reference::HuggingFace);
  EXPECT_EQ(b->bos(), 1);  // tokenizer_config.json: <|start_story|>
  EXPECT_EQ(b->eos(), 2);
  EXPECT_EQ(b->pad(), 0);
  EXPECT_TRUE(b->adds_bos());
  EXPECT_TRUE(b->is_eog(2));
  formats::ModelFile empty;
  empty.format = formats::FileFormat::Safetensors;
  empty.path = scratch_dir() + "/model.safetensors";
  EXPECT_FALSE(tokenizer::load_tokenizer(empty).has_value());
}

// End-of-generation sets built the way llama.cpp builds special_eog_ids.
TEST(LoadTokenizer, EndOfGenerationTokens) {
  const tokenizer::Tokenizer* phi3 = cached_tokenizer(shared("vocab/ggml-vocab-phi-3.gguf"));
  ASSERT_NE(phi3, nullptr);
  for (const char* t : {"<|end|>", "<|endoftext|>", "</s>"}) {
    int32_t id = phi3->find_token(t);
    ASSERT_GE(id, 0) << t;
    EXPECT_TRUE(phi3->is_eog(id)) << t;
  }
  EXPECT_FALSE(phi3->is_eog(phi3->find_token("<|user|>")));
  EXPECT_EQ(phi3->eot(), phi3->find_token("<|end|>"));
  const tokenizer::Tokenizer* qwen = cached_tokenizer(shared("tokenizers/qwen3"));
  ASSERT_NE(qwen, nullptr);
  EXPECT_TRUE(qwen->is_eog(qwen->find_token("<|im_end|>")));
  EXPECT_TRUE(qwen->is_eog(qwen->find_token("<|endoftext|>")));
  EXPECT_EQ(qwen->eot(), qwen->find_token("<|im_end|>"));
  EXPECT_FALSE(qwen->adds_bos());
}

}  // namespace
}  // namespace heft::test
