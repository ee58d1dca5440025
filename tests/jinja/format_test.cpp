// Value spelling: Python's repr() of floats and strings and json.dumps, with
// expected strings as CPython 3.11 prints them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "jinja/format.h"
#include "jinja/lexer.h"

namespace heft::jinja {
namespace {

TEST(JinjaFormat, FloatReprMatchesPython) {
  EXPECT_EQ(float_repr(1.0), "1.0");
  EXPECT_EQ(float_repr(0.1), "0.1");
  EXPECT_EQ(float_repr(-2.5), "-2.5");
  EXPECT_EQ(float_repr(1e16), "1e+16");
  EXPECT_EQ(float_repr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(float_repr(1e-4), "0.0001");
  EXPECT_EQ(float_repr(1e-5), "1e-05");
  EXPECT_EQ(float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(float_repr(123456789012345680.0), "1.2345678901234568e+17");
  EXPECT_EQ(float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(float_repr(5e-324), "5e-324");
  EXPECT_EQ(float_repr(0.0), "0.0");
  EXPECT_EQ(float_repr(-0.0), "-0.0");
  EXPECT_EQ(float_repr(100.0), "100.0");
  EXPECT_EQ(float_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(float_repr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(float_repr(std::nan("")), "nan");
}

TEST(JinjaFormat, StringReprMatchesPython) {
  auto repr = [](std::string_view s) {
    std::string out;
    append_repr_string(out, s);
    return out;
  };
  EXPECT_EQ(repr("abc"), "'abc'");
  EXPECT_EQ(repr("it's"), "\"it's\"");
  EXPECT_EQ(repr("it's \"x\""), "'it\\'s \"x\"'");
  EXPECT_EQ(repr("a\nb\tc\r\\"), "'a\\nb\\tc\\r\\\\'");
  EXPECT_EQ(repr(std::string("\x01\x7f", 2)), "'\\x01\\x7f'");
  EXPECT_EQ(repr("é日本🙂"), "'é日本🙂'");
  EXPECT_EQ(repr("\xc2\xa0|\xe2\x80\x8d|\xc2\x85"), "'\\xa0|\\u200d|\\x85'");  // NBSP, ZWJ, NEL are not printable
}

TEST(JinjaFormat, ReprOfContainers) {
  DictData d;
  d.set(Value("k"), Value::list({Value(int64_t{1}), Value(2.0), Value::none(), Value(true), Value("s")}));
  d.set(Value(int64_t{2}), Value::tuple({Value("x")}));
  EXPECT_EQ(to_str(Value::make_dict(d)), "{'k': [1, 2.0, None, True, 's'], 2: ('x',)}");
  EXPECT_EQ(to_str(Value::tuple({})), "()");
  EXPECT_EQ(to_str(Value::list({Value::markup("<b>"), Value()})), "[Markup('<b>'), Undefined]");
}

TEST(JinjaFormat, JsonLikePythonJsonDumps) {
  DictData d;
  d.set(Value("b"), Value::list({Value(int64_t{1}), Value(1.0), Value("é\n\"\x01")}));
  d.set(Value("a"), Value::make_dict());
  Value v = Value::make_dict(d);
  JsonOptions opt;
  EXPECT_EQ(to_json(v, opt).value_or("?"), "{\"b\": [1, 1.0, \"é\\n\\\"\\u0001\"], \"a\": {}}");
  opt.ensure_ascii = true;
  EXPECT_EQ(to_json(Value("é🙂"), opt).value_or("?"), "\"\\u00e9\\ud83d\\ude42\"");
  opt = {};
  opt.indent = "  ";
  opt.item_sep = ",";
  opt.sort_keys = true;
  EXPECT_EQ(to_json(v, opt).value_or("?"), "{\n  \"a\": {},\n  \"b\": [\n    1,\n    1.0,\n    \"é\\n\\\"\\u0001\"\n  ]\n}");
  EXPECT_FALSE(to_json(Value(), {}));  // Undefined is not JSON serializable
  EXPECT_EQ(to_json(Value(std::numeric_limits<double>::infinity()), {}).value_or("?"), "Infinity");
  DictData bad;
  bad.set(Value::tuple({}), Value(1));
  EXPECT_FALSE(to_json(Value::make_dict(bad), {}));
}

TEST(JinjaFormat, HtmlEscape) { EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"); }

TEST(JinjaLexer, TokensAndWhitespaceControl) {
  auto l = lex("a  {%- if x -%}\n  b\n{{ 'c' ~ 1.5e2 }}{# gone #}");
  ASSERT_TRUE(l);
  std::vector<std::pair<Tok, std::string>> got;
  for (const auto& t : l->tokens) got.emplace_back(t.kind, t.text);
  std::vector<std::pair<Tok, std::string>> want = {
      {Tok::Text, "a"},   {Tok::BlockBegin, ""}, {Tok::Name, "if"},    {Tok::Name, "x"},
      {Tok::BlockEnd, ""}, {Tok::Text, "b\n"},  {Tok::VarBegin, ""},  {Tok::String, "c"},
      {Tok::Op, "~"},     {Tok::Float, "1.5e2"}, {Tok::VarEnd, ""},   {Tok::End, ""}};
  EXPECT_EQ(got, want);
}

TEST(JinjaLexer, BracesInsideTagsAreBalanced) {
  auto l = lex("{{ {'a': {'b': 1}} }}x");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->tokens.back().kind, Tok::End);
  EXPECT_EQ(l->tokens[l->tokens.size() - 2].text, "x");
  EXPECT_FALSE(lex("{{ ) }}"));
  EXPECT_FALSE(lex("{{ x"));
  EXPECT_FALSE(lex("{% raw %}never closed"));
}

TEST(JinjaLexer, LineAndColumn) {
  std::string s = "ab\ncé d";
  EXPECT_EQ(line_col(s, 0), "1:1");
  EXPECT_EQ(line_col(s, 3), "2:1");
  EXPECT_EQ(line_col(s, 6), "2:3");  // after the two-byte é
  EXPECT_EQ(line_col(s, 100), "2:5");
}

}  // namespace
}  // namespace heft::jinja
