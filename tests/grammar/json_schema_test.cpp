// JSON Schema → GBNF: for each schema, texts the grammar must accept and
// texts it must reject, decided from the JSON Schema specification (not from
// the compiler's output), plus refusals that name the keyword and its
// pointer. Texts are written the way JSON.stringify writes them unless a
// test says otherwise.
#include "grammar/json_schema.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grammar/check.h"
#include "grammar/gbnf.h"

namespace heft::grammar {
namespace {

util::Json json(std::string_view text) {
  auto j = util::Json::parse(text);
  EXPECT_TRUE(j) << text;
  return j ? *j : util::Json();
}

Grammar compile(std::string_view schema, SchemaOptions opt = {}) {
  auto g = schema_to_gbnf(json(schema), opt);
  EXPECT_TRUE(g) << schema << ": " << (g ? "" : g.error().to_string());
  if (!g) return Grammar{};
  auto p = parse_gbnf(g->gbnf);
  EXPECT_TRUE(p) << schema << ": " << (p ? "" : p.error().to_string()) << "\n" << g->gbnf;
  return p ? *p : Grammar{};
}

void expect(std::string_view schema, const std::vector<std::string>& accept, const std::vector<std::string>& reject,
            SchemaOptions opt = {}) {
  Grammar g = compile(schema, opt);
  if (g.rules.empty()) return;
  for (const auto& t : accept) EXPECT_TRUE(check(g, t).accepted) << "schema " << schema << "\nshould accept " << t;
  for (const auto& t : reject) EXPECT_FALSE(check(g, t).accepted) << "schema " << schema << "\nshould reject " << t;
}

// The error a schema is refused with ("" when it compiles).
std::string refusal(std::string_view schema) {
  auto g = schema_to_gbnf(json(schema));
  return g ? "" : g.error().message;
}

TEST(JsonSchema, AnyObjectGrammar) {
  auto g = parse_gbnf(json_object_gbnf());
  ASSERT_TRUE(g) << g.error().to_string() << "\n" << json_object_gbnf();
  for (std::string t : {R"({})", R"({"a":1})", R"({"a":[1,{"b":null}],"c":"x"})", R"({"a":1.5e-3,"":true})",
                        R"({ "a": 1 })", "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}"})
    EXPECT_TRUE(check(*g, t).accepted) << t;
  for (std::string t : {R"([])", R"(1)", R"("x")", R"( {})", R"({} )", R"({"a" :1})", R"({"a":1 ,"b":2})",
                        R"({"a":1,})", R"({a:1})", R"({"a":01})", "{\"a\":\"\x01\"}", R"({"a":"\q"})", R"({"a":tru})"})
    EXPECT_FALSE(check(*g, t).accepted) << t;
}

TEST(JsonSchema, WhitespaceOnlyInsideAndBounded) {
  std::string indent20(20, ' '), indent21(21, ' ');
  expect(R"({"type":"array"})", {"[ 1 ]", "[\n" + indent20 + "1\n]", "[\n\t1,\n\t2\n]", "[ ]"},
         {"[  1]", "[\t1]", "[\n" + indent21 + "1]", " [1]", "[1] ", "[1 ,2]"});
  // A top-level scalar has no whitespace around it.
  expect(R"({"type":"integer"})", {"12"}, {" 12", "12 ", "12\n"});
}

TEST(JsonSchema, Types) {
  expect(R"({"type":"null"})", {"null"}, {"nul", "0", R"("")", "false"});
  expect(R"({"type":"boolean"})", {"true", "false"}, {"null", "1", R"("true")"});
  // From 1e21 on JSON.stringify writes integers with an exponent.
  expect(R"({"type":"integer"})", {"0", "-1", "123456789012345678901234567890", "1e+21", "-1.2345678901234567e+52"},
         {"1.5", "01", "-", "+1", "--1", R"("1")", "1e-21", "1.5e+0"});
  expect(R"({"type":"number"})", {"0", "-0.5", "1e10", "1E+2", "1.5e-7", "-0"}, {".5", "1.", "1e", "NaN", R"("1")"});
  expect(R"({"type":"string"})", {R"("")", R"("a\"b")", R"("\u00e9")", "\"\xC3\xA9\"", R"("\ud83d\ude00")", R"("a\/b")", "\"\x7F\""},
         {"\"a\nb\"", R"("a\x")", R"("abc)", "abc", "\"\x1F\""});
  expect(R"({"type":["string","null"]})", {R"("x")", "null"}, {"1", "{}"});
  for (const char* any : {"{}", "true"})
    expect(any, {"null", "true", "0.5", R"("s")", "[1,[2]]", R"({"a":{}})"}, {"nul", "", "[1,]"});
  expect("false", {}, {"null", "{}", "1", R"("")"});
}

TEST(JsonSchema, StringLengthCountsCodePoints) {
  expect(R"({"type":"string","minLength":2,"maxLength":3})",
         {R"("ab")", R"("abc")", "\"\xC3\xA9\\u00e9\"", "\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"", R"("\ud83d\ude00x")",
          R"("\n\t")", R"("\"\\")"},
         {R"("a")", R"("abcd")", "\"\xF0\x9F\x98\x80\"", R"("\ud83d\ude00")", R"("\\\\\\\\")"});
  // Length applies to strings only.
  expect(R"({"minLength":2})", {"1", "null", R"("ab")"}, {R"("a")"});
  expect(R"({"type":"string","maxLength":0})", {R"("")"}, {R"("a")"});
}

TEST(JsonSchema, PatternsMatchAnywhereUnlessAnchored) {
  expect(R"({"type":"string","pattern":"b+c"})", {R"("abbcd")", R"("bc")"}, {R"("ac")", R"("b")", R"("")"});
  expect(R"({"type":"string","pattern":"^ab$"})", {R"("ab")"}, {R"("abc")", R"("xab")"});
  expect(R"({"type":"string","pattern":"^a|b$"})", {R"("ax")", R"("xb")", R"("a")", R"("b")"}, {R"("xa")", R"("bx")"});
  expect(R"({"type":"string","pattern":"^[^a-c]\\d{2,3}\\w?\\s*$"})",
         {R"("x12")", R"("Z123_")", R"("x12 \t")", R"("x1234")"}, {R"("a12")", R"("x1")", R"("x12345")", R"("x12-")"});
  // `.` matches any character but the line terminators.
  expect(R"({"type":"string","pattern":"^a.c$"})", {R"("abc")", R"("a c")", R"("a\"c")", "\"a\xC3\xA9" "c\""},
         {R"("a\nc")", R"("a\rc")", "\"a\xE2\x80\xA8\x63\"", R"("ac")"});
  // Characters JSON escapes appear in their escaped form.
  expect(R"({"type":"string","pattern":"^\"x\\\\$"})", {R"("\"x\\")"}, {R"("\"x")", R"("x\\")"});
  expect(R"({"type":"string","pattern":"^\\t\\u0001$"})", {R"("\t\u0001")"}, {R"("\t")"});
  expect(R"({"type":"string","pattern":"^(?:ab|cd){2}(e|f)+g?$"})", {R"("abcde")", R"("cdcdffg")", R"("ababe")"},
         {R"("abe")", R"("abcdg")", R"("abcdefgg")"});
  expect(R"({"type":"string","pattern":"^a+?b*?$"})", {R"("aab")", R"("a")"}, {R"("b")"});
  expect(R"({"type":"string","pattern":"^\\u00e9+$"})", {"\"\xC3\xA9\xC3\xA9\""}, {R"("e")"});
  expect(R"({"type":"string","pattern":"^[\\]\\-]+$"})", {R"("]-]")"}, {R"("a")"});
  // A negated class takes the characters JSON escapes, in their escaped form.
  expect(R"({"type":"string","pattern":"^[^a]$"})", {R"("\n")", R"("\u0000")", R"("\"")", R"("\\")", R"("b")"},
         {R"("a")", R"("ab")", R"("")", "\"\n\""});
  expect(R"({"type":"string","pattern":"^(?<year>[0-9]{4})$"})", {R"("2024")"}, {R"("24")"});
  // Patterns apply to strings only.
  expect(R"({"pattern":"^a$"})", {"1", "[]", R"("a")"}, {R"("b")"});
  // With lengths and with each other: the intersection.
  expect(R"({"type":"string","pattern":"^a*$","minLength":2,"maxLength":3})", {R"("aa")", R"("aaa")"},
         {R"("a")", R"("aaaa")", R"("ab")"});
  expect(R"({"type":"string","allOf":[{"pattern":"a"},{"pattern":"b"}]})", {R"("ab")", R"("ba")", R"("xaxbx")"},
         {R"("aa")", R"("bb")"});
}

TEST(JsonSchema, PatternsThatAreNotRegularAreRefused) {
  for (const char* p : {"(?=a)", "(a)\\\\1", "\\\\bfoo", "a(?<=b)", "\\\\p{L}", "a**", "(a"}) {
    std::string schema = std::string(R"({"type":"string","pattern":")") + p + "\"}";
    EXPECT_TRUE(refusal(schema).starts_with("unsupported keyword 'pattern' at /pattern")) << p << ": " << refusal(schema);
  }
  EXPECT_TRUE(refusal(R"j({"properties":{"x":{"pattern":"(?!a)"}}})j")
                  .starts_with("unsupported keyword 'pattern' at /properties/x/pattern"));
  EXPECT_TRUE(refusal(R"({"pattern":"^(a{1000}){1000}$"})").starts_with("unsupported keyword 'pattern'"));
}

TEST(JsonSchema, Formats) {
  expect(R"({"type":"string","format":"date"})",
         {R"("2024-02-29")", R"("2000-02-29")", R"("2023-12-31")", R"("2023-04-30")", R"("0001-01-01")"},
         {R"("2023-02-29")", R"("1900-02-29")", R"("2023-04-31")", R"("2023-13-01")", R"("2023-00-10")",
          R"("2023-01-00")", R"("2023-1-01")", R"("20230101")"});
  expect(R"({"type":"string","format":"time"})",
         {R"("23:59:59Z")", R"("00:00:00.123+05:30")", R"("12:00:00z")", R"("23:59:60Z")", R"("23:59:60-00:00")"},
         {R"("24:00:00Z")", R"("12:00:00")", R"("12:60:00Z")", R"("12:00:00+24:00")", R"("22:59:60Z")",
          R"("1:00:00Z")", R"("12:00:00.Z")"});
  expect(R"({"type":"string","format":"date-time"})",
         {R"("2024-02-29T12:00:00Z")", R"("2024-01-01t00:00:00.5+01:00")"},
         {R"("2024-01-01 00:00:00Z")", R"("2024-13-01T00:00:00Z")", R"("2024-01-01T00:00:00")"});
  expect(R"({"type":"string","format":"uuid"})",
         {R"("123e4567-e89b-12d3-a456-426614174000")", R"("123E4567-E89B-12D3-A456-426614174000")"},
         {R"("123e4567e89b12d3a456426614174000")", R"("g23e4567-e89b-12d3-a456-426614174000")"});
  expect(R"({"type":"string","format":"email"})", {R"("joe.bloggs@example.com")", R"("a+b@x.io")", R"("te~st@a.b")"},
         {R"("joe..bloggs@example.com")", R"(".joe@example.com")", R"("joe.@example.com")", R"("joe@")",
          R"("joe@-x.com")", R"("2962")"});
  expect(R"({"type":"string","format":"ipv4"})", {R"("192.168.0.1")", R"("0.0.0.0")", R"("255.255.255.255")"},
         {R"("256.1.1.1")", R"("01.1.1.1")", R"("1.1.1")", R"("1.1.1.1.1")", R"("1.1.1.a")"});
  // Formats apply to their own type only.
  expect(R"({"format":"date"})", {"1", "null", "{}", R"("2020-01-01")"}, {R"("x")"});
  expect(R"({"type":"integer","format":"int32"})", {"2147483647", "-2147483648", "0"}, {"2147483648", "-2147483649"});
  expect(R"({"type":"number","format":"double"})", {"1.5"}, {});
  EXPECT_TRUE(refusal(R"({"format":"uri"})").starts_with("unsupported keyword 'format' at /format"));
}

TEST(JsonSchema, IntegerBounds) {
  expect(R"({"type":"integer","minimum":-5,"maximum":120})",
         {"-5", "-1", "0", "9", "10", "99", "100", "119", "120"}, {"-6", "-10", "121", "200", "1000", "1.5"});
  expect(R"({"type":"integer","exclusiveMinimum":0})", {"1", "10", "123456789012345678901"}, {"0", "-1"});
  expect(R"({"$schema":"http://json-schema.org/draft-04/schema#","type":"integer","minimum":0,"exclusiveMinimum":true})",
         {"1", "7"}, {"0", "-1"});
  expect(R"({"type":"integer","maximum":-10,"minimum":-1000})", {"-10", "-999", "-1000", "-55"},
         {"-9", "-1001", "0", "10"});
  expect(R"({"type":"integer","minimum":1000000000000})", {"1000000000000", "99999999999999"},
         {"999999999999", "-1000000000000"});
  expect(R"({"type":"integer","maximum":9007199254740993})", {"9007199254740993", "-5"}, {"9007199254740994"});
  expect(R"({"type":"integer","minimum":2.5,"maximum":5.5})", {"3", "4", "5"}, {"2", "6"});
  expect(R"({"type":"integer","exclusiveMaximum":0,"exclusiveMinimum":-3})", {"-1", "-2"}, {"0", "-3"});
  expect(R"({"type":"integer","minimum":5,"maximum":3})", {}, {"3", "4", "5"});
  expect(R"({"type":"integer","minimum":0,"maximum":0})", {"0"}, {"1", "-1"});
  EXPECT_TRUE(refusal(R"({"type":"integer","minimum":1e30})").starts_with("unsupported keyword 'minimum' at /minimum"));
}

TEST(JsonSchema, NumberBounds) {
  expect(R"({"type":"number","minimum":0.5,"exclusiveMaximum":2})", {"0.5", "0.50", "1", "1.999", "0.75"},
         {"0.49", "2", "2.0", "2.5", "-1", "1e-7"});
  expect(R"({"type":"number","minimum":0})", {"0", "0.0", "-0", "5", "1e+21", "1.5e-7", "1e21"},
         {"-1", "-0.5", "-1e-7"});
  expect(R"({"type":"number","exclusiveMinimum":0})", {"1e-7", "0.1", "3"}, {"0", "0.0", "-0", "-1e-7"});
  expect(R"({"type":"number","exclusiveMaximum":0})", {"-1e-7", "-0.5", "-3"}, {"0", "-0", "-0.0", "1e-7"});
  expect(R"({"$schema":"http://json-schema.org/draft-04/schema#","maximum":3,"exclusiveMaximum":true})",
         {"2.9", "-4", "\"x\""}, {"3", "3.5"});
  expect(R"({"type":"number","maximum":-1.5})", {"-1.5", "-2", "-1e+21"}, {"-1.49", "0", "1e-7"});
  expect(R"({"type":"number","minimum":-1e-10,"maximum":1e-10})", {"0", "1e-11", "-1e-10", "1e-10", "5e-11"},
         {"1e-9", "2e-10", "-1.1e-10", "0.1"});
  expect(R"({"type":"number","maximum":1e300})", {"1e+299", "9.99e+299", "1e+300", "12345"}, {"1.1e+300", "1e+301"});
  expect(R"({"minimum":3})", {R"("x")", "3", "4.5"}, {"2.9"});
}

TEST(JsonSchema, MultipleOf) {
  expect(R"({"type":"number","multipleOf":1})", {"3", "-4", "0"}, {"3.5"});
  expect(R"({"type":"integer","multipleOf":0.5})", {"3"}, {"3.5"});
  expect(R"({"multipleOf":2})", {"0", "10", "-4", "1234567890", R"("x")"}, {"7", "4.5", "-3"});
  expect(R"({"type":"integer","multipleOf":3})", {"0", "3", "-9", "12345"}, {"10", "-1", "1000"});
  expect(R"({"multipleOf":1.5})", {"0", "4.5", "-3", "1.50", "300"}, {"35", "1", "0.75"});
  expect(R"({"multipleOf":0.0001})", {"0.0075", "1", "-2.5"}, {"0.00751"});
  // Money: cents, not negative.
  expect(R"({"type":"number","multipleOf":0.01,"minimum":0})", {"0", "1.5", "19.99", "0.01", "100"},
         {"0.001", "-1", "1.234", "1.501"});
  expect(R"({"allOf":[{"multipleOf":4},{"multipleOf":6}]})", {"12", "24", "0"}, {"4", "6", "18"});
  EXPECT_TRUE(refusal(R"({"multipleOf":2,"minimum":1})").starts_with("unsupported keyword 'multipleOf' at /multipleOf"));
  EXPECT_TRUE(refusal(R"({"multipleOf":1e-9})").starts_with("unsupported keyword 'multipleOf' at /multipleOf"));
}

TEST(JsonSchema, EnumAndConst) {
  expect(R"({"enum":["a","b\"c",1,null,true,[1,2],{"x":1,"y":2}]})",
         {R"("a")", R"("b\"c")", "1", "null", "true", "[1,2]", "[ 1, 2 ]", R"({"x":1,"y":2})", R"({"y":2,"x":1})",
          R"({ "x": 1, "y": 2 })"},
         {R"("b")", "2", "false", "[2,1]", R"({"x":1})", R"({"x":1,"y":2,"z":3})", "[1,2,3]"});
  expect(R"({"enum":[1.0]})", {"1"}, {"2"});
  expect(R"({"const":"line\nbreak"})", {R"("line\nbreak")"}, {"\"line\nbreak\""});
  expect(R"({"const":0.1})", {"0.1"}, {"0.2"});
  expect(R"({"const":1e21})", {"1e+21"}, {"1"});
  expect(R"({"const":1e-7})", {"1e-7"}, {"0"});
  expect(R"({"const":"\u00e9\ud83d\ude00"})", {"\"\xC3\xA9\xF0\x9F\x98\x80\""}, {R"("e")"});
  // Other keywords still apply to the listed values.
  expect(R"({"type":"string","enum":["a",1,"bb"],"maxLength":1})", {R"("a")"}, {"1", R"("bb")"});
  expect(R"({"type":"integer","enum":["a"]})", {}, {R"("a")", "1"});
  expect(R"({"enum":[{"a":[]},{"b":1}],"properties":{"a":{"minItems":1}}})", {R"({"b":1})"}, {R"({"a":[]})"});
}

TEST(JsonSchema, PropertiesComeInAnyOrder) {
  const char* s = R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"]})";
  expect(s,
         {R"({"a":1})", R"({"a":1,"b":"x"})", R"({"b":"x","a":1})", R"({"a":1,"c":[1]})", R"({"c":null,"a":1})",
          R"({ "a": 1, "b": "x" })", R"({"a":1,"bb":2})", R"({"a":1,"":2})"},
         {R"({})", R"({"b":"x"})", R"({"a":"1"})", R"({"a":1,"b":2})", R"({"a":1,"\u0062":2})", "[]"});
  expect(R"({"properties":{"a":{}},"additionalProperties":false})", {R"({})", R"({"a":1})", "3"},
         {R"({"b":1})", R"({"a":1,"b":2})"});
  expect(R"({"properties":{"a":{}},"additionalProperties":{"type":"integer"}})", {R"({"a":"x","b":1})"},
         {R"({"b":"x"})"});
  expect(R"({"required":["x"]})", {R"({"x":1})", R"({"y":2,"x":null})", "1"}, {R"({})", R"({"y":1})"});
  expect(R"({"properties":{"a\"b":{"type":"integer"},"x/y~z":{"const":1}},"additionalProperties":false})",
         {R"({"a\"b":1})", R"({"x/y~z":1,"a\"b":2})"}, {R"({"a\"b":"s"})", R"({"ab":1})"});
  // Every subset order of six properties.
  expect(R"({"properties":{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{}},"required":["f","a"],"additionalProperties":false})",
         {R"({"f":1,"e":1,"d":1,"c":1,"b":1,"a":1})", R"({"a":1,"f":2})", R"({"c":1,"f":1,"a":1})"},
         {R"({"a":1})", R"({"a":1,"f":1,"a":2})", R"({"a":1,"f":1,"g":1})"});
}

TEST(JsonSchema, ManyPropertiesFollowDeclarationOrder) {
  // Past kAnyOrderProperties the declared order is required (documented).
  expect(R"({"properties":{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{},"g":{}},"required":["a","g"],"additionalProperties":false})",
         {R"({"a":1,"g":2})", R"({"a":1,"b":1,"g":1})", R"({"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1})"},
         {R"({"a":1})", R"({"g":1})", R"({"a":1,"g":1,"b":1})"});
}

TEST(JsonSchema, PropertyCounts) {
  expect(R"({"maxProperties":2})", {R"({})", R"({"a":1,"b":2})", "[1,2,3]"}, {R"({"a":1,"b":2,"c":3})"});
  expect(R"({"minProperties":1})", {R"({"a":1})"}, {R"({})"});
  expect(R"({"properties":{"a":{},"b":{}},"additionalProperties":false,"minProperties":2})", {R"({"b":1,"a":2})"},
         {R"({"a":1})", R"({})"});
  expect(R"({"properties":{"a":{}},"required":["a","b"],"minProperties":2})", {R"({"b":1,"a":2})"}, {R"({"a":1})"});
  EXPECT_TRUE(refusal(R"({"minProperties":2})").starts_with("unsupported keyword 'minProperties' at /minProperties"));
}

TEST(JsonSchema, PatternProperties) {
  const char* s = R"({"properties":{"foo":{"type":"array","maxItems":3},"bar":{"type":"array"}},
                      "patternProperties":{"f.o":{"minItems":2}},"additionalProperties":{"type":"integer"}})";
  // "fxo":3 is valid: minItems constrains arrays only, and a key a pattern
  // matches is not additional.
  expect(s, {R"({"foo":[1,2]})", R"({"fxo":[1,2]})", R"({"bar":[],"quux":3})", R"({"afoob":[1,2,3]})", R"({"fxo":3})"},
         {R"({"foo":[]})", R"({"foo":[1,2,3,4]})", R"({"fxo":[]})", R"({"quux":"x"})", R"({"foo":3})"});
  // A key both patterns match must satisfy both; none: additionalProperties.
  expect(R"({"patternProperties":{"a*":{"type":"integer"},"aaa*":{"maximum":20}},"additionalProperties":false})",
         {R"({"a":21})", R"({"aaaa":18})", R"({"":1})", R"({"b":1})"}, {R"({"aaa":31})", R"({"aaaa":"x"})"});
  expect(R"({"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false})",
         {R"({})", R"({"x-a":"1","x-":"2"})"}, {R"({"y":"1"})", R"({"x-a":1})", R"({"ax-":"1"})"});
}

TEST(JsonSchema, Dependencies) {
  expect(R"({"dependencies":{"bar":["foo"]}})", {R"({})", R"({"foo":1})", R"({"foo":1,"bar":2})", "[\"bar\"]"},
         {R"({"bar":2})"});
  expect(R"({"dependentRequired":{"quux":["foo","bar"]}})", {R"({"quux":1,"bar":2,"foo":3})", R"({"foo":1})"},
         {R"({"quux":1,"foo":2})", R"({"quux":1})"});
  expect(R"({"dependencies":{"bar":{"properties":{"foo":{"type":"integer"},"bar":{"type":"integer"}}}}})",
         {R"({"foo":"quux"})", R"({"foo":1,"bar":2})"}, {R"({"foo":"quux","bar":2})", R"({"bar":"x"})"});
  expect(R"({"dependentSchemas":{"a":false}})", {R"({"b":1})"}, {R"({"a":1})"});
}

TEST(JsonSchema, Arrays) {
  expect(R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})", {"[1]", "[1,2,3]", "[ 1, 2 ]"},
         {"[]", "[1,2,3,4]", R"(["a"])", "[1.5]"});
  expect(R"({"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false})",
         {"[]", R"(["a"])", R"(["a",1])"}, {R"(["a",1,2])", "[1]"});
  expect(R"({"prefixItems":[{"const":"x"}],"items":{"type":"boolean"},"minItems":2})",
         {R"(["x",true])", R"(["x",true,false])"}, {R"(["x"])", R"(["x",1])", R"(["y",true])"});
  expect(R"({"$schema":"http://json-schema.org/draft-04/schema#","items":[{"type":"integer"}],"additionalItems":false})",
         {"[1]", "[]"}, {"[1,2]", R"(["a"])"});
  expect(R"({"items":[{"type":"integer"}]})", {"[1]", R"([1,"x"])"}, {R"(["x"])"});
  expect(R"({"items":{"type":"string"}})", {R"(["a"])", "1", R"({"a":1})"}, {"[1]"});
  expect(R"({"uniqueItems":false})", {"[1,1]"}, {});
  expect(R"({"type":"array","uniqueItems":true,"maxItems":1})", {"[1]", "[]"}, {"[1,1]"});
  EXPECT_TRUE(refusal(R"({"type":"array","uniqueItems":true})").starts_with("unsupported keyword 'uniqueItems' at /uniqueItems"));
  // Counts past one GBNF repetition operator (2000).
  auto ones = [](size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) s += i ? ",1" : "1";
    return s + "]";
  };
  expect(R"({"items":{"const":1},"minItems":2100,"maxItems":4500})", {ones(2100), ones(4500), ones(3000)},
         {ones(2099), ones(4501)});
  EXPECT_TRUE(refusal(R"({"maxItems":20000})").starts_with("unsupported keyword 'maxItems' at /maxItems"));
}

TEST(JsonSchema, AnyOf) {
  expect(R"({"anyOf":[{"type":"string","maxLength":1},{"type":"integer","minimum":10}]})", {R"("a")", "10"},
         {R"("ab")", "9", "null"});
  expect(R"({"type":"object","properties":{"a":{}},"anyOf":[{"required":["a"]},{"required":["b"]}]})",
         {R"({"a":1})", R"({"b":1})", R"({"a":1,"b":2})"}, {R"({})", R"({"c":1})", "1"});
}

TEST(JsonSchema, OneOfWhenBranchesAreDisjoint) {
  expect(R"({"oneOf":[{"type":"string"},{"type":"number"}]})", {R"("x")", "1.5"}, {"null"});
  expect(R"({"oneOf":[{"const":"a"},{"const":"b"}]})", {R"("a")", R"("b")"}, {R"("c")"});
  expect(R"({"oneOf":[{"type":"number","maximum":0},{"type":"number","exclusiveMinimum":0}]})", {"-1", "0", "1"},
         {R"("0")"});
  const char* shapes = R"({"oneOf":[
    {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"],"additionalProperties":false},
    {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"number"}},"required":["kind","side"],"additionalProperties":false}]})";
  expect(shapes, {R"({"kind":"circle","r":1})", R"({"side":2,"kind":"square"})"},
         {R"({"kind":"circle","side":1})", R"({"kind":"square"})", R"({"kind":"oval","r":1})"});
  EXPECT_TRUE(refusal(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})").starts_with("unsupported keyword 'oneOf' at /oneOf"));
  SchemaOptions lenient{.strict = false};
  auto g = schema_to_gbnf(json(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})"), lenient);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->unsupported, std::vector<std::string>{"oneOf at /oneOf"});
}

TEST(JsonSchema, AllOfMerges) {
  expect(R"({"allOf":[{"type":["string","integer"]},{"type":["integer","null"]}]})", {"1"}, {R"("a")", "null", "1.5"});
  expect(R"({"allOf":[{"properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"string"}},"required":["b"]}]})",
         {R"({"a":1,"b":"x"})", R"({"b":"x","a":1})"}, {R"({"a":1})", R"({"a":1,"b":2})"});
  // The first member's additionalProperties:false forbids what only the second declares.
  expect(R"({"allOf":[{"properties":{"a":{}},"additionalProperties":false},{"properties":{"b":{}}}]})",
         {R"({})", R"({"a":1})"}, {R"({"b":1})"});
  expect(R"({"allOf":[{"properties":{"a":{"minimum":1}}},{"properties":{"a":{"maximum":3}}}]})",
         {R"({"a":1})", R"({"a":3})"}, {R"({"a":0})", R"({"a":4})"});
  expect(R"({"allOf":[{"minimum":1},{"maximum":3}],"type":"integer"})", {"1", "3"}, {"0", "4"});
  expect(R"({"allOf":[{"type":"string"},{"type":"integer"}]})", {}, {R"("a")", "1"});
  expect(R"({"not":{"type":"string"}})", {"1", "null", "{}"}, {R"("x")"});
  expect(R"({"not":{"type":"integer"}})", {"1.5", "-0.25", "1e-7", R"("x")"}, {"1", "0", "-3"});
  expect(R"({"not":{}})", {}, {"1", "null"});
  EXPECT_TRUE(refusal(R"({"not":{"minimum":1}})").starts_with("unsupported keyword 'not' at /not"));
}

TEST(JsonSchema, Refs) {
  expect(R"({"definitions":{"pos":{"type":"integer","minimum":1}},"properties":{"n":{"$ref":"#/definitions/pos"}}})",
         {R"({"n":1})"}, {R"({"n":0})"});
  expect(R"({"$defs":{"a/b":{"const":1},"c~d":{"const":2},"e%f":{"const":3}},
             "anyOf":[{"$ref":"#/$defs/a~1b"},{"$ref":"#/$defs/c~0d"},{"$ref":"#/$defs/e%25f"}]})",
         {"1", "2", "3"}, {"4"});
  expect(R"({"type":"object","properties":{"value":{"type":"integer"},"next":{"$ref":"#"}},"required":["value"],"additionalProperties":false})",
         {R"({"value":1})", R"({"value":1,"next":{"value":2,"next":{"value":3}}})"},
         {R"({"value":1,"next":{}})", R"({"value":1,"next":null})"});
  expect(R"({"$defs":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"additionalProperties":false}},"$ref":"#/$defs/node"})",
         {R"({"children":[{},{"children":[]}]})", R"({})"}, {R"({"children":[1]})", R"({"x":1})"});
  // Drafts 4 to 7 ignore a $ref's siblings; 2019-09 on apply them.
  expect(R"({"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"a":{"type":"integer"}},"properties":{"x":{"$ref":"#/definitions/a","maximum":5}}})",
         {R"({"x":10})"}, {R"({"x":"s"})"});
  expect(R"({"definitions":{"a":{"type":"integer"}},"properties":{"x":{"$ref":"#/definitions/a","maximum":5}}})",
         {R"({"x":5})"}, {R"({"x":10})", R"({"x":"s"})"});
  expect(R"({"$defs":{"a":{"$anchor":"num","type":"number"}},"$ref":"#num"})", {"1.5"}, {R"("x")"});
  expect(R"({"$schema":"http://json-schema.org/draft-04/schema#","allOf":[{"$ref":"#foo"}],"definitions":{"A":{"id":"#foo","type":"integer"}}})",
         {"1"}, {R"("a")"});
  expect(R"({"$id":"http://example.com/root.json","definitions":{"a":{"type":"integer"}},"properties":{"x":{"$ref":"http://example.com/root.json#/definitions/a"}}})",
         {R"({"x":1})"}, {R"({"x":"s"})"});
  EXPECT_TRUE(refusal(R"({"$ref":"http://example.com/schema.json"})").starts_with("unsupported keyword '$ref' at /$ref"));
  EXPECT_NE(refusal(R"({"$ref":"#/definitions/missing"})").find("no such subschema"), std::string::npos);
  // Unused definitions are never compiled.
  expect(R"({"definitions":{"unused":{"not":{"minimum":1}}},"type":"integer"})", {"1"}, {"1.5"});
}

TEST(JsonSchema, NullableAndBooleanSubschemas) {
  expect(R"({"type":"string","nullable":true})", {R"("x")", "null"}, {"1"});
  expect(R"({"enum":["a"],"nullable":true})", {R"("a")", "null"}, {R"("b")"});
  expect(R"({"properties":{"a":false}})", {R"({})", R"({"b":1})"}, {R"({"a":1})"});
  expect(R"({"items":false})", {"[]"}, {"[1]"});
  expect(R"({"properties":{"a":true},"required":["a"],"additionalProperties":false})", {R"({"a":[]})"}, {R"({})"});
  expect(R"({"properties":{"a":false},"required":["a"]})", {"1"}, {R"({"a":1})", R"({})"});
}

TEST(JsonSchema, RefusalsNameKeywordAndPointer) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"properties":{"a":{"not":{"minimum":1}}}})", "unsupported keyword 'not' at /properties/a/not"},
      {R"({"if":{"type":"string"},"then":{"minLength":1}})", "unsupported keyword 'if' at /if"},
      {R"j({"patternProperties":{"(?=x)":{}}})j", "unsupported keyword 'patternProperties' at /patternProperties/(?=x)"},
      {R"({"type":"array","uniqueItems":true})", "unsupported keyword 'uniqueItems' at /uniqueItems"},
      {R"({"propertyNames":{"maxLength":3}})", "unsupported keyword 'propertyNames' at /propertyNames"},
      {R"({"items":{"contains":{"const":1}}})", "unsupported keyword 'contains' at /items/contains"},
      {R"({"unevaluatedProperties":false})", "unsupported keyword 'unevaluatedProperties' at /unevaluatedProperties"},
      {R"({"maxLength":20000})", "unsupported keyword 'maxLength' at /maxLength"},
      {R"({"$defs":{"x":{"multipleOf":3,"maximum":5}},"$ref":"#/$defs/x"})", "unsupported keyword 'multipleOf' at /$defs/x/multipleOf"},
      {R"({"anyOf":[{"type":"string"},{"properties":{"a~b/c":{"if":{"type":"string"},"else":{}}}}]})",
       "unsupported keyword 'if' at /anyOf/1/properties/a~0b~1c/if"},
  };
  for (const auto& [schema, message] : cases)
    EXPECT_TRUE(refusal(schema).starts_with(message)) << schema << "\n got: " << refusal(schema);
  // Malformed schemas are errors too (not refusals).
  EXPECT_NE(refusal(R"({"type":"strin"})"), "");
  EXPECT_NE(refusal(R"({"minLength":-1})"), "");
  EXPECT_NE(refusal(R"({"properties":{"a":3}})"), "");
}

TEST(JsonSchema, LenientModeListsWhatItDropsAndEnforcesTheRest) {
  SchemaOptions lenient{.strict = false};
  const char* s = R"({"type":"object","properties":{"a":{"type":"integer","not":{"const":3}},"b":{"type":"string","format":"uri"}},"required":["a"]})";
  auto g = schema_to_gbnf(json(s), lenient);
  ASSERT_TRUE(g) << g.error().to_string();
  EXPECT_EQ(g->unsupported, (std::vector<std::string>{"not at /properties/a/not", "format at /properties/b/format"}));
  expect(s, {R"({"a":3})", R"({"a":1,"b":"anything"})"}, {R"({"a":"x"})", R"({})", R"({"a":1,"b":2})"}, lenient);
  EXPECT_TRUE(refusal(s).starts_with("unsupported keyword 'not' at /properties/a/not"));
}

TEST(JsonSchema, OutputIsDeterministicAndCompilersCombine) {
  const char* s = R"({"type":"object","properties":{"n":{"type":"integer","maximum":10},"s":{"pattern":"^x+$"},"e":{"enum":[1,"a"]}},"additionalProperties":{"type":"boolean"}})";
  auto a = schema_to_gbnf(json(s)), b = schema_to_gbnf(json(s));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->gbnf, b->gbnf);
  SchemaCompiler c;
  auto first = c.add(json(R"({"type":"integer","minimum":0})"), "tool-a");
  auto second = c.add(json(R"({"type":"string","pattern":"^x+$"})"), "tool-b");
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  std::string text = c.rules() + "root ::= " + *first + " | " + *second + "\n";
  auto g = parse_gbnf(text);
  ASSERT_TRUE(g) << g.error().to_string() << "\n" << text;
  EXPECT_TRUE(check(*g, "12").accepted);
  EXPECT_TRUE(check(*g, R"("xx")").accepted);
  EXPECT_FALSE(check(*g, "-1").accepted);
  // A hint cannot take a shared rule's name.
  auto third = c.add(json(R"({"type":"array","items":{"type":"string"}})"), "json-space");
  ASSERT_TRUE(third);
  EXPECT_NE(*third, "json-space");
  auto g3 = parse_gbnf(c.rules() + "root ::= " + *third + "\n");
  ASSERT_TRUE(g3) << g3.error().to_string();
  EXPECT_TRUE(check(*g3, R"([ "a", "b" ])").accepted);
  // A refused schema leaves the compiler's rules as they were.
  std::string before = c.rules();
  EXPECT_FALSE(c.add(json(R"({"properties":{"a":{"not":{"minimum":1}}}})"), "tool-c"));
  EXPECT_EQ(c.rules(), before);
}

TEST(JsonSchema, JsonStringifyOutputIsAccepted) {
  const char* s = R"({"type":"object","properties":{
      "name":{"type":"string","minLength":1},
      "tags":{"type":"array","items":{"type":"string"}},
      "price":{"type":"number","exclusiveMinimum":0},
      "when":{"type":"string","format":"date-time"},
      "meta":{"type":"object","additionalProperties":{"type":["string","number","null"]}}},
    "required":["name","price"],"additionalProperties":false})";
  expect(s,
         {R"({"name":"Widget","price":9.99})",
          R"({"price":1e-7,"name":"\"quoted\"\n","tags":[],"meta":{}})",
          R"({"name":"x","tags":["a","b"],"price":1e+21,"when":"2020-01-01T00:00:00.000Z","meta":{"k":null,"n":-2.5}})"},
         {R"({"name":"","price":1})", R"({"name":"x","price":0})", R"({"name":"x","price":1,"extra":1})",
          R"({"name":"x","price":1,"meta":{"k":true}})"});
}

TEST(JsonSchema, NonCanonicalSpellingsAreNotAccepted) {
  // Valid values written other than JSON.stringify writes them: the grammars
  // accept one spelling per character and per bounded number (documented).
  expect(R"({"type":"integer"})", {"100"}, {"1.0", "1e2"});
  expect(R"({"type":"number","minimum":0})", {"1.5"}, {"15e-1"});
  expect(R"({"type":"string","pattern":"^a$"})", {R"("a")"}, {R"("\u0061")"});
  expect(R"({"properties":{"a":{}}})", {R"({"a":1})"}, {R"({"a":1,"a":2})"});
}

TEST(JsonSchema, HostileSchemasAreBounded) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"properties":{"a":)";
  deep += "{}";
  for (int i = 0; i < 200; ++i) deep += "}}";
  EXPECT_NE(refusal(deep), "");
  // 2^24 combinations of anyOf branches.
  std::string combos = R"({"allOf":[)";
  for (int i = 0; i < 24; ++i)
    combos += std::string(i ? "," : "") + R"({"anyOf":[{"properties":{"a)" + std::to_string(i) +
              R"(":{"type":"integer"}}},{"properties":{"b)" + std::to_string(i) + R"(":{"type":"string"}}}]})";
  combos += "]}";
  EXPECT_NE(refusal(combos), "");
  // A large enum is fine.
  std::string big = R"({"enum":[)";
  for (int i = 0; i < 3000; ++i) big += (i ? "," : "") + std::to_string(i * 7);
  big += "]}";
  expect(big, {"0", "20993"}, {"1", "20994"});
}

}  // namespace
}  // namespace heft::grammar

namespace heft::grammar {
namespace {

// Every number a grammar accepts is a finite binary64 that keeps its side of 0
// (RFC 8259 §6): JSON.parse reads 1e309 as Infinity and 2e-2222759 as 0, which
// ajv then judges against the schema (found by reference_serve_structured).
TEST(JsonSchema, NumbersStayFiniteBinary64) {
  const std::string digits308 = "1" + std::string(307, '0'), digits309 = "1" + std::string(308, '0');
  expect(R"({"type":"number"})", {"1e307", "1e+307", "-9.5e307", "12e286", "1e-400", "0.5", digits308},
         {"1e308", "1e309", "8E+8229429", "12e287", digits309});
  expect(R"({"type":"integer"})", {"123456789012345678901234567890", digits308, "1e+307"}, {digits309, "1e+308"});
  expect(R"({"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1})", {"0.5", "1e-7", "1e-307"},
         {"2e-2222759", "3E-360365", "8.93e-402", "1e-308", "0", "1"});
  expect(R"({"type":"number","minimum":5})", {"5", "1e+21", "1e+307"}, {"1e+308", digits309, "4.9"});
  expect(R"({"not":{"type":"integer"}, "type":"number"})", {"0.5", "1.5e-7", "1e-307"}, {"1e-400", "2", "1e-308"});
}

}  // namespace
}  // namespace heft::grammar
