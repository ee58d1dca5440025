// Hugging Face tokenizers' ids for the real tokenizer.json files
// (tokenizers/ids-dev.json, produced by the npm package tokenizers 0.23.2).
// tokenizers matches special-token text inside the input in both modes, which
// is heft's parse_special; add_special_tokens is heft's add_special.
#include <cstdio>
#include <map>

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
