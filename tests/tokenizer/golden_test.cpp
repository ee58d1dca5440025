// TinyStories goldens (golden/tokenizer-dev.json, golden/prompts-dev.json):
// llama.cpp's llama-tokenize on the GGUF in its four flag combinations, and
// Hugging Face tokenizers on the HF folder. Where llama.cpp aborted (a
// character outside the vocabulary, which has no byte tokens) heft gives a
// defined result: <unk> (id 0) for each such character.
#include <algorithm>
#include <cstdio>

#include "tokenizer_test_util.h"

namespace heft::test {
namespace {

const char* kGguf = "models/TinyStories-656K-gguf/tinystories-656k-f32.gguf";
const char* kFolder = "models/TinyStories-656K";

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(TinyStoriesGolden, TokenizerDevAllVariants) {
  util::Json doc = load_json(shared("golden/tokenizer-dev.json"));
  const util::Json* items = doc.find("items");
  ASSERT_TRUE(items && items->is_array());
  ASSERT_EQ(items->size(), 40u);
  const tokenizer::Tokenizer* gguf = cached_tokenizer(shared(kGguf));
  const tokenizer::Tokenizer* hf = cached_tokenizer(shared(kFolder));
  ASSERT_TRUE(gguf && hf);
  struct Variant {
    const char* key;
    const tokenizer::Tokenizer* tok;
    tokenizer::EncodeOptions opt;
  };
  const Variant variants[] = {
      {"bos_parse_special", gguf, {true, true}},
      {"bos_no_parse_special", gguf, {true, false}},
      {"no_bos_parse_special", gguf, {false, true}},
      {"no_bos_no_parse_special", gguf, {false, false}},
      {"hf_tokenizers_add_special", hf, {true, true}},
      {"hf_tokenizers_no_add_special", hf, {false, true}},
  };
  for (const Variant& v : variants) {
    size_t matched = 0, compared = 0, aborted = 0;
    for (const util::Json& it : items->as_array()) {
      std::string text = hex_to_bytes(it.get_string("utf8_hex"));
      ASSERT_EQ(text, it.get_string("text"));
      std::vector<int32_t> got = v.tok->encode(text, v.opt);
      const util::Json* want = it.find(v.key);
      ASSERT_NE(want, nullptr) << v.key;
      if (want->is_null()) {
        // llama.cpp aborted: heft must give <unk> where the text leaves the vocabulary.
        ++aborted;
        EXPECT_NE(std::find(got.begin(), got.end(), 0), got.end()) << v.key << " '" << text << "' " << ids_str(got);
        continue;
      }
      ++compared;
      if (got == json_ids(*want)) ++matched;
      else ADD_FAILURE() << v.key << " '" << text << "'\n  got      " << ids_str(got) << "\n  expected "
                         << ids_str(json_ids(*want));
    }
    EXPECT_EQ(matched, compared);
    std::printf("[ golden   ] %-30s %zu/%zu (llama.cpp aborted on %zu)\n", v.key, matched, compared, aborted);
  }
}

// The defined result for characters outside the TinyStories GGUF vocabulary:
// one <unk> per unknown character, the rest tokenized as llama.cpp would.
TEST(TinyStoriesGolden, UnknownCharactersBecomeUnk) {
  const tokenizer::Tokenizer* gguf = cached_tokenizer(shared(kGguf));
  ASSERT_NE(gguf, nullptr);
  EXPECT_EQ(gguf->encode("\xF0\x9F\x99\x82", {.add_special = false}), (std::vector<int32_t>{80, 0}));  // "▁", <unk>
  EXPECT_EQ(gguf->encode("\xE6\x97\xA5\xE6\x9C\xAC", {.add_special = false}), (std::vector<int32_t>{80, 0, 0}));
  std::vector<int32_t> ids = gguf->encode("a(b", {.add_special = false});
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 0), 1) << ids_str(ids);
  EXPECT_EQ(gguf->decode(ids), "a<unk>b");
}

TEST(TinyStoriesGolden, PromptIds) {
  util::Json doc = load_json(shared("golden/prompts-dev.json"));
  const util::Json* prompts = doc.find("prompts");
  ASSERT_TRUE(prompts && prompts->is_array());
  ASSERT_EQ(prompts->size(), 12u);
  const tokenizer::Tokenizer* gguf = cached_tokenizer(shared(kGguf));
  const tokenizer::Tokenizer* hf = cached_tokenizer(shared(kFolder));
  ASSERT_TRUE(gguf && hf);
  size_t ok_gguf = 0, ok_hf = 0;
  for (const util::Json& p : prompts->as_array()) {
    std::string text = p.get_string("prompt");
    std::vector<int32_t> want = json_ids(*p.find("prompt_ids"));
    std::vector<int32_t> want_hf = json_ids(*p.find("hf_prompt_ids"));
    std::vector<int32_t> got = gguf->encode(text, {.add_special = true, .parse_special = true});
    std::vector<int32_t> got_hf = hf->encode(text, {.add_special = true, .parse_special = true});
    ok_gguf += got == want;
    ok_hf += got_hf == want_hf;
    EXPECT_EQ(ids_str(got), ids_str(want)) << text;
    EXPECT_EQ(ids_str(got_hf), ids_str(want_hf)) << text;
  }
  std::printf("[ prompts  ] prompt_ids %zu/12, hf_prompt_ids %zu/12\n", ok_gguf, ok_hf);
}

// Generated text in the goldens is the concatenation of llama_token_to_piece(id, special=false).
TEST(TinyStoriesGolden, ContinuationTextIsTheDecodedIds) {
  util::Json doc = load_json(shared("golden/prompts-dev.json"));
  const tokenizer::Tokenizer* gguf = cached_tokenizer(shared(kGguf));
  ASSERT_NE(gguf, nullptr);
  size_t checked = 0;
  for (const util::Json& p : doc.find("prompts")->as_array()) {
    const util::Json* text = p.find("text");
    if (!text || !text->is_object()) continue;
    for (const char* key : {"llama_cpp_f32_exact", "llama_cpp_q8_0_f32_exact", "llama_cpp_f32_kv_f16"}) {
      const util::Json* ids = p.find(key);
      const util::Json* want = text->find(key);
      if (!ids || !want) continue;
      std::string got;
      for (int32_t id : json_ids(*ids)) got += gguf->token_to_piece(id);
      EXPECT_EQ(got, want->as_string()) << key;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST(TinyStoriesGolden, SpecialTokensOfTheGguf) {
  const tokenizer::Tokenizer* gguf = cached_tokenizer(shared(kGguf));
  ASSERT_NE(gguf, nullptr);
  EXPECT_EQ(gguf->bos(), 1);
  EXPECT_EQ(gguf->eos(), 2);
  EXPECT_EQ(gguf->unk(), 0);
  EXPECT_TRUE(gguf->adds_bos());
  EXPECT_EQ(gguf->n_vocab(), 2048u);
  EXPECT_TRUE(gguf->is_eog(2));  // llama.cpp adds EOS to the EOG set with a warning
  EXPECT_EQ(gguf->token_type(1), tokenizer::TokenType::Control);
  EXPECT_EQ(gguf->kind(), tokenizer::ModelKind::Spm);
}

}  // namespace
}  // namespace heft::test
