#include "grammar/token_mask.h"

#include <gtest/gtest.h>

#include <random>

#include "grammar/gbnf.h"

namespace heft::grammar {
namespace {

using Kind = VocabIndex::Kind;

// A small vocabulary like a byte-level BPE's: every byte, common multi-byte
// pieces, pieces that end or start inside a UTF-8 character, one control token
// and an end-of-generation token.
std::shared_ptr<VocabIndex> test_vocab(std::vector<std::string>& pieces) {
  for (int b = 0; b < 256; ++b) pieces.push_back(std::string(1, static_cast<char>(b)));
  for (const char* p : {"{\"", "\":", "\",", "\"}", "true", "false", "null", "12", "0.", "ab", "abc", " \"", "\n ",
                        "\xC3", "\xC3\xA9", "\xA9x", "e\xE2\x82", "\x82\xAC", "}}", "]}", "[\"", "\\n", "\\u00"})
    pieces.push_back(p);
  pieces.push_back("<|special|>");
  pieces.push_back("</s>");
  std::vector<Kind> kinds(pieces.size(), Kind::Text);
  kinds[pieces.size() - 2] = Kind::Special;
  kinds[pieces.size() - 1] = Kind::EndOfGeneration;
  return std::make_shared<VocabIndex>(pieces, kinds);
}

const char* kJson = R"(root ::= object
value ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}"
array ::= "[" ws ( value ("," ws value)* )? "]"
string ::= "\"" ( [^"\\\x00-\x1F] | "\\" ["\\/bfnrt] | "\\u" [0-9a-fA-F]{4} )* "\""
number ::= "-"? ("0" | [1-9] [0-9]*) ("." [0-9]+)?
ws ::= [ \n]?
)";

// The mask equals trying every token's bytes one by one, in every state a
// random walk through the grammar reaches; the walk's text is a sentence.
TEST(TokenMask, EqualsTryingEveryTokenAlongRandomWalks) {
  std::vector<std::string> pieces;
  auto vocab = test_vocab(pieces);
  auto g = parse_gbnf(kJson);
  ASSERT_TRUE(g) << g.error().to_string();
  auto grammar = std::make_shared<const Grammar>(*g);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    TokenConstraint c(grammar, vocab);
    Machine brute(grammar);
    std::mt19937_64 rng(seed);
    uint32_t state = c.start(), bstate = brute.start();
    std::string text;
    for (int step = 0; step < 200; ++step) {
      const auto& mask = c.allowed(state);
      std::vector<int32_t> allowed;
      for (size_t id = 0; id < pieces.size(); ++id) {
        bool expect;
        if (vocab->kind(static_cast<int32_t>(id)) == Kind::EndOfGeneration) expect = brute.accepting(bstate);
        else if (vocab->kind(static_cast<int32_t>(id)) == Kind::Special) expect = false;
        else expect = brute.step(bstate, pieces[id]) != Machine::kDead;
        ASSERT_EQ(mask_has(mask, static_cast<int32_t>(id)), expect) << "seed " << seed << " after '" << text << "' token " << id;
        if (expect) allowed.push_back(static_cast<int32_t>(id));
      }
      ASSERT_FALSE(allowed.empty()) << "seed " << seed << " after '" << text << "' " << brute.expected(bstate);
      // Prefer closing brackets as the walk grows, so walks end.
      int32_t pick = allowed[rng() % allowed.size()];
      if (step > 100)
        for (int32_t id : allowed)
          if (pieces[id] == "}" || pieces[id] == "]" || pieces[id] == "\"" || vocab->kind(id) == Kind::EndOfGeneration) pick = id;
      if (vocab->kind(pick) == Kind::EndOfGeneration) {
        EXPECT_TRUE(c.accepting(state));
        break;
      }
      state = c.advance(state, pick);
      bstate = brute.step(bstate, pieces[static_cast<size_t>(pick)]);
      ASSERT_NE(state, Machine::kDead);
      text += pieces[static_cast<size_t>(pick)];
    }
    EXPECT_GT(c.cached_masks(), 0u);
  }
}

TEST(TokenMask, EndOfGenerationOnlyWhenComplete) {
  std::vector<std::string> pieces;
  auto vocab = test_vocab(pieces);
  auto g = parse_gbnf("root ::= \"ab\" \"c\"?\n");
  ASSERT_TRUE(g);
  TokenConstraint c(std::make_shared<const Grammar>(*g), vocab);
  const int32_t eog = static_cast<int32_t>(pieces.size() - 1);
  uint32_t s = c.start();
  EXPECT_FALSE(mask_has(c.allowed(s), eog));
  EXPECT_TRUE(mask_has(c.allowed(s), 'a'));
  EXPECT_TRUE(mask_has(c.allowed(s), 256 + 9));   // "ab"
  EXPECT_TRUE(mask_has(c.allowed(s), 256 + 10));  // "abc"
  s = c.advance(s, 256 + 9);
  EXPECT_TRUE(mask_has(c.allowed(s), eog));
  EXPECT_TRUE(mask_has(c.allowed(s), 'c'));
  EXPECT_FALSE(c.finished(s));
  s = c.advance(s, 'c');
  EXPECT_TRUE(c.finished(s));
  EXPECT_EQ(c.advance(s, 'c'), Machine::kDead);
}

TEST(TokenMask, TokenReferences) {
  std::vector<std::string> pieces;
  auto vocab = test_vocab(pieces);
  const int32_t special = static_cast<int32_t>(pieces.size() - 2);
  auto g = parse_gbnf("root ::= <[" + std::to_string(special) + "]> \"x\" !<[120]>\n");
  ASSERT_TRUE(g) << g.error().to_string();
  TokenConstraint c(std::make_shared<const Grammar>(*g), vocab);
  uint32_t s = c.start();
  const auto& m0 = c.allowed(s);
  for (size_t id = 0; id < pieces.size(); ++id) EXPECT_EQ(mask_has(m0, static_cast<int32_t>(id)), static_cast<int32_t>(id) == special);
  s = c.advance(s, special);
  s = c.advance(s, 'x');
  ASSERT_NE(s, Machine::kDead);
  const auto& m1 = c.allowed(s);
  EXPECT_FALSE(mask_has(m1, 'x'));
  EXPECT_TRUE(mask_has(m1, 'y'));
  EXPECT_TRUE(mask_has(m1, special));
  EXPECT_TRUE(c.finished(c.advance(s, 'y')));
}

}  // namespace
}  // namespace heft::grammar
