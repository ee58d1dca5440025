// decode(encode(x)) == x where the tokenizer guarantees it, and the streaming
// decoder: its pieces are valid UTF-8 and add up to the whole decode.
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/unicode.h"
#include "tokenizer_test_util.h"

namespace heft::test {
namespace {

using tokenizer::StreamingDecoder;
using tokenizer::Tokenizer;

const std::vector<std::string>& samples() {
  static const std::vector<std::string> s = {
      "Hello world",
      " leading space and  two  spaces ",
      "tabs\tand\nnewlines\n\n\r\n end",
      "Grüße aus Köln, naïve café",
      "日本語のテキストと中文",
      "Привет, мир! Ελληνικά. العربية. हिन्दी",
      "emoji 👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 and ZWJ",
      "code: for (int i = 0; i < n; ++i) { x[i] += 1; }",
      "𝔉𝔯𝔞𝔨𝔱𝔲𝔯 𓀀 \xEA\x99\xAE \xEF\xB7\xBD",
      "zero\xE2\x80\x8Bwidth\xEF\xBB\xBF bom",
      "1234567890 3.14159 000000000000000000",
      "      many spaces      ",
      "",
  };
  return s;
}

void expect_round_trip(const std::string& model, bool add_special, bool leading_space_ok = true) {
  const Tokenizer* tok = cached_tokenizer(shared(model));
  ASSERT_NE(tok, nullptr);
  for (const std::string& s : samples()) {
    if (!leading_space_ok && s.starts_with(' ')) continue;
    std::vector<int32_t> ids = tok->encode(s, {.add_special = add_special});
    EXPECT_EQ(tok->decode(ids, {.skip_special = true}), s) << model << ": " << ids_str(ids);
  }
}

// Byte-level BPE without a normalizer loses nothing.
TEST(RoundTrip, ByteLevelBpeTokenizerJson) {
  expect_round_trip("tokenizers/gpt2", false);
  expect_round_trip("tokenizers/llama3", true);
}

// SentencePiece with byte fallback: the leading space it adds is removed again.
TEST(RoundTrip, SentencePieceGguf) { expect_round_trip("vocab/ggml-vocab-llama-spm.gguf", false); }
// tokenizers' Metaspace(prepend_scheme=first) + Strip decoder drop a leading
// space the text already had, so texts starting with a space do not survive.
TEST(RoundTrip, SentencePieceTokenizerJson) {
  expect_round_trip("tokenizers/mistral", true, /*leading_space_ok=*/false);
  const Tokenizer* tok = cached_tokenizer(shared("tokenizers/mistral"));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->decode(tok->encode(" x"), {.skip_special = true}), "x");
  EXPECT_EQ(tok->decode(tok->encode(" x")), "<s> x");  // tokenizers writes <s>, then the kept space
}

// GGUF byte-level BPE without clean-up of spaces (Qwen-style) is exact too.
TEST(RoundTrip, GgufByteLevelWithoutCleanUp) { expect_round_trip("vocab/ggml-vocab-deepseek-coder.gguf", false); }

// llama.cpp's GPT-2 vocabularies clean up " ." and " ," on decode, as llama.cpp does.
TEST(RoundTrip, GgufCleanUpSpacesLikeLlamaCpp) {
  const Tokenizer* tok = cached_tokenizer(shared("vocab/ggml-vocab-gpt-2.gguf"));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->decode(tok->encode("a , b . c ' d 's", {.add_special = false})), "a, b. c'd's");
}

void expect_stream_equals_decode(const std::string& model) {
  const Tokenizer* tok = cached_tokenizer(shared(model));
  ASSERT_NE(tok, nullptr);
  for (const std::string& s : samples()) {
    std::vector<int32_t> ids = tok->encode(s, {.add_special = false});
    StreamingDecoder dec(*tok);
    std::string streamed;
    for (int32_t id : ids) {
      std::string piece = dec.step(id);
      EXPECT_TRUE(tokenizer::unicode::is_valid_utf8(piece)) << model << ": piece of id " << id;
      streamed += piece;
    }
    streamed += dec.finish();
    std::string whole = tok->decode(ids);
    if (tok->reference() == tokenizer::Reference::LlamaCpp) {
      // llama.cpp's generation output is the pieces themselves (no leading-space removal).
      std::string pieces;
      for (int32_t id : ids) pieces += tok->token_to_piece(id);
      whole = tokenizer::unicode::to_valid_lossy(pieces);
    }
    EXPECT_EQ(streamed, whole) << model << ": " << s;
  }
}

TEST(StreamingDecoder, MatchesWholeDecodeByteLevel) { expect_stream_equals_decode("tokenizers/llama3"); }
TEST(StreamingDecoder, MatchesWholeDecodeByteFallback) { expect_stream_equals_decode("tokenizers/mistral"); }
TEST(StreamingDecoder, MatchesWholeDecodeWordPiece) { expect_stream_equals_decode("tokenizers/bert-base-uncased"); }
TEST(StreamingDecoder, MatchesPiecesGguf) {
  expect_stream_equals_decode("vocab/ggml-vocab-llama-spm.gguf");
  expect_stream_equals_decode("vocab/ggml-vocab-gpt-2.gguf");
}

// A character split over byte tokens comes out whole, once its last byte arrives.
TEST(StreamingDecoder, HoldsPartialUtf8) {
  for (const char* model : {"vocab/ggml-vocab-llama-spm.gguf", "tokenizers/mistral"}) {
    const Tokenizer* tok = cached_tokenizer(shared(model));
    ASSERT_NE(tok, nullptr);
    // 🙂 is not a token: byte fallback gives <0xF0> <0x9F> <0x99> <0x82>
    int32_t b[4] = {tok->find_token("<0xF0>"), tok->find_token("<0x9F>"), tok->find_token("<0x99>"), tok->find_token("<0x82>")};
    for (int32_t id : b) ASSERT_GE(id, 0);
    StreamingDecoder dec(*tok);
    EXPECT_EQ(dec.step(tok->find_token("\xE2\x96\x81" "a")), tok->reference() == tokenizer::Reference::LlamaCpp ? " a" : "a");
    EXPECT_EQ(dec.step(b[0]), "");
    EXPECT_EQ(dec.step(b[1]), "");
    EXPECT_EQ(dec.step(b[2]), "");
    EXPECT_EQ(dec.step(b[3]), "\xF0\x9F\x99\x82") << model;
    // A lone continuation byte can never complete. llama.cpp's pieces give one
    // U+FFFD for it; tokenizers' ByteFallback turns the whole run of byte
    // tokens it sits in (here 🙂's four bytes and it) into one U+FFFD per byte.
    std::string rest = dec.step(tok->find_token("<0x80>"));
    rest += dec.step(tok->find_token("\xE2\x96\x81" "b"));
    rest += dec.finish();
    const bool llama = tok->reference() == tokenizer::Reference::LlamaCpp;
    EXPECT_EQ(rest, llama ? "\xEF\xBF\xBD b"
                          : "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD b") << model;
  }
}

TEST(StreamingDecoder, FinishFlushesIncompleteCharacter) {
  const Tokenizer* tok = cached_tokenizer(shared("vocab/ggml-vocab-llama-spm.gguf"));
  ASSERT_NE(tok, nullptr);
  StreamingDecoder dec(*tok);
  EXPECT_EQ(dec.step(tok->find_token("<0xE2>")), "");
  EXPECT_EQ(dec.finish(), "\xEF\xBF\xBD");
  EXPECT_EQ(dec.step(tok->find_token("<0x41>")), "A");  // ready for a new stream
}

}  // namespace
}  // namespace heft::test
