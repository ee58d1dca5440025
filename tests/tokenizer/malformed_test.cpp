// Tokenizer files from strangers: every malformed input ends in an error
// value with a message, never a crash, an out-of-bounds read or a huge
// allocation.
#include <gtest/gtest.h>

#include "formats/metadata.h"
#include "tokenizer/gguf_loader.h"
#include "tokenizer/hf_loader.h"

namespace heft::tokenizer {
namespace {

using formats::Metadata;
using formats::MetaValue;

util::Result<Tokenizer> from_json(const std::string& json) { return tokenizer_from_hf({json, {}, {}, "t.json"}); }

std::string bpe_json(const std::string& vocab, const std::string& merges, const std::string& extra = "") {
  return "{" + extra + R"("added_tokens":[],"model":{"type":"BPE","vocab":)" + vocab + R"(,"merges":)" + merges + "}}";
}

void expect_error(const util::Result<Tokenizer>& r, const std::string& needle) {
  ASSERT_FALSE(r.has_value()) << "expected an error mentioning '" << needle << "'";
  EXPECT_NE(r.error().to_string().find(needle), std::string::npos) << r.error().to_string();
}

TEST(MalformedTokenizerJson, StructureErrors) {
  expect_error(from_json("not json"), "invalid JSON");
  expect_error(from_json("[1,2]"), "JSON object");
  expect_error(from_json("{}"), "model");
  expect_error(from_json(R"({"model":{"type":"BPE","vocab":[1],"merges":[]}})"), "model.vocab");
  expect_error(from_json(R"({"model":{"type":"Nope","vocab":{}}})"), "unsupported model type");
  expect_error(from_json(R"({"model":{"type":"Unigram","vocab":[["a"]]}})"), "[token, score]");
  expect_error(from_json(R"({"model":{"type":"Unigram","vocab":[["a",-1.0]],"unk_id":5}})"), "unk_id");
}

TEST(MalformedTokenizerJson, BadIds) {
  expect_error(from_json(bpe_json(R"({"a":-1})", "[]")), "non-negative");
  expect_error(from_json(bpe_json(R"({"a":"x"})", "[]")), "non-negative");
  expect_error(from_json(bpe_json(R"({"a":4000000000000})", "[]")), "non-negative");
  // ids far beyond the number of tokens would make a huge table
  expect_error(from_json(bpe_json(R"({"a":0,"b":3000000000})", "[]")), "sparse");
}

TEST(MalformedTokenizerJson, BadMerges) {
  expect_error(from_json(bpe_json(R"({"a":0,"b":1})", R"(["a b"])")), "not in the vocabulary");
  expect_error(from_json(bpe_json(R"({"a":0,"b":1,"ab":2})", R"(["a b c"])")), "left right");
  expect_error(from_json(bpe_json(R"({"a":0,"b":1,"ab":2})", R"([["a"]])")), "[left, right]");
  expect_error(from_json(bpe_json(R"({"a":0,"b":1,"ab":2})", R"([7])")), "[left, right]");
  EXPECT_TRUE(from_json(bpe_json(R"({"a":0,"b":1,"ab":2})", R"(["#version: 0.2","a b"])")).has_value());
}

TEST(MalformedTokenizerJson, BadComponents) {
  std::string v = R"({"a":0})";
  expect_error(from_json(bpe_json(v, "[]", R"("x":1,"normalizer":{"type":"Magic"},)")), "unsupported normalizer");
  expect_error(from_json(bpe_json(v, "[]", R"("pre_tokenizer":{"type":"Split","pattern":{"Regex":"(("},"behavior":"Isolated","invert":false},)")),
               "cannot compile regex");
  expect_error(from_json(bpe_json(v, "[]", R"("pre_tokenizer":{"type":"Split","pattern":{"Nope":"x"},"behavior":"Isolated","invert":false},)")),
               "pattern");
  expect_error(from_json(bpe_json(v, "[]", R"("pre_tokenizer":{"type":"Split","pattern":{"String":"x"},"behavior":"Sideways","invert":false},)")),
               "behavior");
  expect_error(from_json(bpe_json(v, "[]", R"("decoder":{"type":"Magic"},)")), "unsupported decoder");
  expect_error(from_json(bpe_json(v, "[]", R"("post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[X]","type_id":0}}],"special_tokens":{}},)")),
               "special_tokens");
  expect_error(from_json(bpe_json(v, "[]", R"("post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[X]","type_id":0}}],"special_tokens":{"[X]":{"id":"[X]","ids":[99],"tokens":["[X]"]}}},)")),
               "outside the vocabulary");
  expect_error(from_json(bpe_json(v, "[]", R"("post_processor":{"type":"BertProcessing","sep":["x"],"cls":["y",0]},)")), "cls and sep");
  expect_error(from_json(bpe_json(v, "[]", R"("normalizer":{"type":"Precompiled","precompiled_charsmap":"!!notbase64"},)")), "base64");
  expect_error(from_json(R"({"model":{"type":"BPE","dropout":0.1,"vocab":{"a":0},"merges":[]}})"), "dropout");
}

TEST(MalformedTokenizerJson, DeepNestingIsRefused) {
  std::string n = R"({"type":"NFC"})";
  for (int i = 0; i < 200; ++i) n = R"({"type":"Sequence","normalizers":[)" + n + "]}";
  expect_error(from_json(bpe_json(R"({"a":0})", "[]", "\"normalizer\":" + n + ",")), "too deep");
}

TEST(MalformedTokenizerJson, AddedTokensWithoutContent) {
  expect_error(from_json(R"({"added_tokens":[{"id":0}],"model":{"type":"BPE","vocab":{"a":0},"merges":[]}})"), "content");
}

// Added tokens get ids the way tokenizers assigns them (the "id" field is not trusted).
TEST(MalformedTokenizerJson, AddedTokenIdsFollowTokenizers) {
  auto t = from_json(R"({"added_tokens":[{"id":999999999,"content":"<x>","special":true},{"id":5,"content":"a","special":true}],
                        "model":{"type":"BPE","vocab":{"a":0,"b":1},"merges":[]}})");
  ASSERT_TRUE(t.has_value()) << t.error().to_string();
  EXPECT_EQ(t->find_token("<x>"), 2);  // the model has 2 tokens
  EXPECT_EQ(t->find_token("a"), 0);    // already in the model: keeps the model id
  EXPECT_EQ(t->n_vocab(), 3u);
  EXPECT_EQ(t->encode("b<x>a", {.add_special = false, .parse_special = true}), (std::vector<int32_t>{1, 2, 0}));
}

Metadata base_gguf(const std::string& model = "llama") {
  Metadata md;
  md.add("tokenizer.ggml.model", MetaValue::string(model));
  md.add("tokenizer.ggml.tokens", MetaValue::string_array({"<unk>", "<s>", "</s>", "\xE2\x96\x81" "a", "a", "b"}));
  md.add("tokenizer.ggml.scores", MetaValue::f32_array({0, 0, 0, -1, -2, -3}));
  md.add("tokenizer.ggml.token_type", MetaValue::i32_array({2, 3, 3, 1, 1, 1}));
  return md;
}

TEST(MalformedGguf, MissingOrMistypedKeys) {
  Metadata none;
  expect_error(tokenizer_from_gguf(none, "m.gguf"), "tokenizer.ggml.model");
  Metadata md = base_gguf();
  md.erase("tokenizer.ggml.tokens");
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "tokenizer.ggml.tokens");
  md = base_gguf();
  md.set("tokenizer.ggml.tokens", MetaValue::i32_array({1, 2}));
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "tokenizer.ggml.tokens");
  md = base_gguf();
  md.set("tokenizer.ggml.scores", MetaValue::f32_array({0, 0}));
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "scores");
  md = base_gguf();
  md.set("tokenizer.ggml.token_type", MetaValue::f32_array({1, 1, 1, 1, 1, 1}));
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "token_type");
  md = base_gguf();
  md.set("tokenizer.ggml.tokens", MetaValue::string_array({}));
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "empty");
  expect_error(tokenizer_from_gguf(base_gguf("rwkv"), "m.gguf"), "unsupported tokenizer model");
  md = base_gguf("gpt2");
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "merges");
  md.add("tokenizer.ggml.merges", MetaValue::i32_array({1}));
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "merges");
  md = base_gguf("gpt2");
  md.add("tokenizer.ggml.pre", MetaValue::string("no-such-pre"));
  md.add("tokenizer.ggml.merges", MetaValue::string_array({}));
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "pre-tokenizer");
  md = base_gguf("t5");
  md.add("tokenizer.ggml.precompiled_charsmap", MetaValue::string_array({"x"}));
  expect_error(tokenizer_from_gguf(md, "m.gguf"), "precompiled_charsmap");
}

TEST(MalformedGguf, SpecialIdsOutOfRangeAreIgnored) {
  Metadata md = base_gguf();
  md.add("tokenizer.ggml.bos_token_id", MetaValue::u32(4000000000u));
  md.add("tokenizer.ggml.eos_token_id", MetaValue::i32(-7));
  md.add("tokenizer.ggml.unknown_token_id", MetaValue::u32(0));
  auto t = tokenizer_from_gguf(md, "m.gguf");
  ASSERT_TRUE(t.has_value()) << t.error().to_string();
  EXPECT_EQ(t->bos(), 1);  // llama.cpp keeps the default when the key is out of range
  EXPECT_EQ(t->eos(), 2);
  EXPECT_EQ(t->encode("a", {.add_special = true}), (std::vector<int32_t>{1, 3}));
  // ids outside the vocabulary never reach a decode
  std::vector<int32_t> bad = {-1, 6, 1 << 30, 3};
  EXPECT_EQ(t->decode(bad), "a");  // the leading space SentencePiece added is removed
  EXPECT_EQ(t->token_to_piece(99), "");
  EXPECT_EQ(t->token_text(-5), "");
}

}  // namespace
}  // namespace heft::tokenizer
