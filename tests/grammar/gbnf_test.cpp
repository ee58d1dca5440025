#include "grammar/gbnf.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "grammar/check.h"

namespace heft::grammar {
namespace {

Grammar parse(std::string_view text) {
  auto g = parse_gbnf(text);
  EXPECT_TRUE(g) << (g ? "" : g.error().to_string());
  return g ? *g : Grammar{};
}

bool accepts(const Grammar& g, std::string_view text) { return check(g, text).accepted; }

TEST(Gbnf, LiteralsClassesAndAlternatives) {
  auto g = parse("root ::= \"ab\" [c-e] | \"x\" [^a-z]\n");
  EXPECT_TRUE(accepts(g, "abd"));
  EXPECT_TRUE(accepts(g, "x1"));
  EXPECT_TRUE(accepts(g, "x\xC3\xA9"));  // é is outside a-z
  EXPECT_FALSE(accepts(g, "abf"));
  EXPECT_FALSE(accepts(g, "xa"));
  EXPECT_FALSE(accepts(g, "ab"));
  EXPECT_FALSE(accepts(g, "abdd"));
  auto r = check(g, "abz");
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.offset, 2u);
  EXPECT_EQ(r.expected, "[c-e]");
  r = check(g, "ab");
  EXPECT_TRUE(r.incomplete);
}

TEST(Gbnf, Repetitions) {
  auto g = parse("root ::= \"a\"{2,4} [0-9]* \"z\"? \"ab\"+\n");
  EXPECT_TRUE(accepts(g, "aaab"));
  EXPECT_TRUE(accepts(g, "aaaa123zabab"));
  EXPECT_FALSE(accepts(g, "aab"));        // "ab"+ needs its own a
  EXPECT_FALSE(accepts(g, "aaaaaab"));    // five a's before "ab" is too many
  EXPECT_TRUE(accepts(g, "aaaaab"));
  auto exact = parse("root ::= [a-c]{3}\n");
  EXPECT_TRUE(accepts(exact, "abc"));
  EXPECT_FALSE(accepts(exact, "ab"));
  EXPECT_FALSE(accepts(exact, "abca"));
  auto open = parse("root ::= \"x\"{2,}\n");
  EXPECT_FALSE(accepts(open, "x"));
  EXPECT_TRUE(accepts(open, "xxxxxxx"));
}

TEST(Gbnf, GroupsSpanLinesAndCommentsAreSkipped) {
  auto g = parse(
      "# a comment\n"
      "root ::= (\n"
      "   \"yes\" # inside\n"
      "  | \"no\"\n"
      ") ws item\n"
      "ws ::= [ \\t\\n]*\n"
      "item ::= \"\\x41\" \"\\u00e9\" \"\\\"\"\n");
  EXPECT_TRUE(accepts(g, "yes \n\tA\xC3\xA9\""));
  EXPECT_TRUE(accepts(g, "noA\xC3\xA9\""));
  EXPECT_FALSE(accepts(g, "maybeA"));
}

TEST(Gbnf, RecursionAndAnyChar) {
  auto g = parse(
      "root ::= value\n"
      "value ::= \"[\" (value (\",\" value)*)? \"]\" | [0-9]+\n");
  EXPECT_TRUE(accepts(g, "[1,[2,[]],33]"));
  EXPECT_FALSE(accepts(g, "[1,]"));
  EXPECT_FALSE(accepts(g, "[[1]"));
  auto any = parse("root ::= \"<\" .* \">\"\n");
  EXPECT_TRUE(accepts(any, "<a\nb>"));
  EXPECT_TRUE(accepts(any, "<\xF0\x9F\x98\x80>"));
  EXPECT_FALSE(accepts(any, "<\xF0\x9F\x98>"));  // a truncated character is not a character
  EXPECT_FALSE(accepts(any, "<\xC0\x80>"));      // overlong
}

TEST(Gbnf, LlamaCppJsonGrammar) {
  // grammars/json.gbnf from llama.cpp (the format's standard example).
  auto g = parse(R"(root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws

string ::=
  "\"" (
    [^"\\\x7F\x00-\x1F] |
    "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
  )* "\"" ws

number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

# Optional space: by convention, applied in this grammar after literal chars when allowed
ws ::= | " " | "\n" [ \t]{0,20}
)");
  EXPECT_TRUE(accepts(g, R"({"a": [1, 2.5, true, null, "x\"y\u00e9"], "b": {}})"));
  EXPECT_TRUE(accepts(g, "{}"));
  EXPECT_FALSE(accepts(g, R"({"a": })"));
  EXPECT_FALSE(accepts(g, R"({"a": "tab	"})"));
  EXPECT_FALSE(accepts(g, "[]"));
}

TEST(Gbnf, Errors) {
  auto e = parse_gbnf("root ::= foo\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("undefined rule 'foo'"), std::string::npos);
  e = parse_gbnf("root ::= root \"a\" | \"b\"\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("left-recursive"), std::string::npos);
  e = parse_gbnf("root ::= x \"a\"\nx ::= | root\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("left-recursive"), std::string::npos);
  e = parse_gbnf("top ::= \"a\"\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("no rule 'root'"), std::string::npos);
  e = parse_gbnf("root ::= \"a\n");
  ASSERT_FALSE(e);
  e = parse_gbnf("root ::= [a-\n");
  ASSERT_FALSE(e);
  e = parse_gbnf("root ::= \"a\"{3000}\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("repetition count"), std::string::npos);
  e = parse_gbnf("root ::= \"a\" \"\\q\"\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("line 1, column 15"), std::string::npos) << e.error().message;
  e = parse_gbnf("root ::= \"a\"\nroot ::= \"b\"\n");
  ASSERT_FALSE(e);
  e = parse_gbnf("root ::= \"a\" ]\n");
  ASSERT_FALSE(e);
  e = parse_gbnf("root ::= \"a\"{2,1}\n");
  ASSERT_FALSE(e);
  // Groups nest at most 512 deep: the parser recurses, and a request must not exhaust its stack.
  EXPECT_TRUE(parse_gbnf("root ::= " + std::string(500, '(') + "\"a\"" + std::string(500, ')') + "\n"));
  e = parse_gbnf("root ::= " + std::string(100000, '(') + "\"a\"" + std::string(100000, ')') + "\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("nested more than 512"), std::string::npos);
}

TEST(Gbnf, NullableRepetitionsDoNotExplode) {
  auto g = parse("root ::= (\"a\"?){200} \"b\"\n");
  EXPECT_TRUE(accepts(g, std::string(150, 'a') + "b"));
  EXPECT_FALSE(accepts(g, std::string(201, 'a') + "b"));
}

}  // namespace
}  // namespace heft::grammar

namespace heft::grammar {
namespace {

TEST(Gbnf, TokenReferencesByIdAndByText) {
  TokenLookup lookup = [](std::string_view t) -> int32_t {
    if (t == "<|python_tag|>") return 7;
    if (t == "[TOOL_CALLS]") return 9;
    return -1;
  };
  auto g = parse_gbnf("root ::= <|python_tag|> \"x\" !<[TOOL_CALLS]> <[12]>\n", "root", lookup);
  ASSERT_TRUE(g) << g.error().to_string();
  const auto& seq = g->rules[g->root].alternatives[0];
  ASSERT_EQ(seq.size(), 4u);
  EXPECT_EQ(seq[0].kind, Element::Kind::Token);
  EXPECT_EQ(seq[0].index, 7u);
  EXPECT_EQ(seq[2].kind, Element::Kind::NotToken);
  EXPECT_EQ(seq[2].index, 9u);
  EXPECT_EQ(seq[3].index, 12u);
  auto missing = parse_gbnf("root ::= <nope>\n", "root", lookup);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no token <nope>"), std::string::npos);
  auto no_vocab = parse_gbnf("root ::= <think>\n");
  ASSERT_FALSE(no_vocab);
  EXPECT_NE(no_vocab.error().message.find("needs the model's vocabulary"), std::string::npos);
}

}  // namespace
}  // namespace heft::grammar

namespace heft::grammar {
namespace {

// Repetitions nested in repetitions make every character matchable in
// exponentially many ways; the matcher stops at its limits and says so
// instead of running for minutes (found by fuzz_grammar).
TEST(Gbnf, WildlyAmbiguousGrammarsStopAtTheLimits) {
  auto g = parse_gbnf("root ::= " + std::string(14, '.') + std::string(50, '+') + " \"!\"\n");
  ASSERT_TRUE(g) << g.error().to_string();
  auto r = check(*g, std::string(40, 'a') + "!");
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(r.too_complex);
  // An unambiguous grammar of the same length is followed to the end.
  auto plain = parse_gbnf("root ::= " + std::string(14, '.') + "+ \"!\"\n");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(check(*plain, std::string(40, 'a') + "!").accepted);
}

}  // namespace
}  // namespace heft::grammar

namespace heft::grammar {
namespace {

TEST(Gbnf, LongChainsOfRulesAreCheckedWithoutRecursion) {
  // fmt, not "r" + std::string: g++ 12 warns falsely (-Wrestrict) on the latter.
  auto rule = [](int i, std::string_view body) { return fmt::format("r{} ::= {}\n", i, body); };
  std::string text = "root ::= r0\n";
  const int n = 200000;
  for (int i = 0; i < n; ++i) text += rule(i, fmt::format("r{} | \"x\"", i + 1));
  text += rule(n, "\"y\"");
  auto g = parse_gbnf(text);
  ASSERT_TRUE(g) << g.error().to_string();
  // 200001 ways to start is past the matcher's limits: it says so rather than guess.
  EXPECT_TRUE(check(*g, "x").too_complex);
  auto loop = parse_gbnf(text + rule(n + 1, fmt::format("r{} \"z\"", n + 1)));
  ASSERT_FALSE(loop);
  EXPECT_NE(loop.error().message.find("left-recursive"), std::string::npos);
}

}  // namespace
}  // namespace heft::grammar
