// Grammars for tool_choice "required" / a named function: each family's call
// text, written as its template renders past calls, is accepted (and parses
// back to the same calls); other names, bad arguments, free text and extra
// calls are not.
#include <gtest/gtest.h>

#include "chat/tool_call_grammar.h"
#include "chat/tool_calls.h"
#include "grammar/check.h"
#include "chat/tool_fixtures.h"
#include "grammar/gbnf.h"

namespace heft::chat {
namespace {

using util::Json;

const Json& tools() { return fixtures::sample_tools(false); }

grammar::Grammar compile(ToolFormat f, std::optional<std::string> only = std::nullopt, bool parallel = true) {
  auto text = tool_call_gbnf(f, tools(), only, parallel);
  EXPECT_TRUE(text) << tool_format_name(f) << ": " << (text ? "" : text.error().to_string());
  if (!text) return {};
  auto g = grammar::parse_gbnf(*text);
  EXPECT_TRUE(g) << tool_format_name(f) << ": " << (g ? "" : g.error().to_string()) << "\n" << *text;
  return g ? *g : grammar::Grammar{};
}

struct Case {
  ToolFormat format;
  std::string one;       // one call to get_weather, as the template renders it
  std::string two;       // get_weather then search, where the family writes several
  std::string bad_name;  // `one` calling a tool that is not there
  std::string bad_args;  // a required parameter left out or a value of the wrong type
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {ToolFormat::Hermes,
       "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\", \"unit\": \"celsius\"}}\n</tool_call>",
       "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\"}}\n</tool_call>\n"
       "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"x\", \"limit\": 3}}\n</tool_call>",
       "<tool_call>\n{\"name\": \"get_wether\", \"arguments\": {\"location\": \"Paris, France\"}}\n</tool_call>",
       "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"x\", \"limit\": \"three\"}}\n</tool_call>"},
      {ToolFormat::Llama3, "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Paris, France\", \"unit\": \"celsius\"}}", "",
       "{\"name\": \"weather\", \"parameters\": {\"location\": \"Paris, France\"}}",
       "{\"name\": \"search\", \"parameters\": {\"query\": \"x\", \"exact\": \"yes\"}}"},
      {ToolFormat::MistralJson,
       "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\", \"unit\": \"celsius\"}, \"id\": \"a1b2c3d4e\"}]",
       "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\"}, \"id\": \"a1b2c3d4e\"}, "
       "{\"name\": \"search\", \"arguments\": {\"query\": \"x\"}, \"id\": \"f5g6h7i8j\"}]",
       "[TOOL_CALLS][{\"name\": \"lookup\", \"arguments\": {\"location\": \"Paris, France\"}, \"id\": \"a1b2c3d4e\"}]",
       "[TOOL_CALLS][{\"name\": \"search\", \"arguments\": {\"query\": \"x\"}, \"id\": \"short\"}]"},
      {ToolFormat::MistralArgs, "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris, France\", \"unit\": \"celsius\"}",
       "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris, France\"}[TOOL_CALLS]search[ARGS]{\"query\": \"x\"}",
       "[TOOL_CALLS]getweather[ARGS]{\"location\": \"Paris, France\"}",
       "[TOOL_CALLS]search[ARGS]{\"query\": \"x\", \"limit\": 2.5.1}"},
      {ToolFormat::FunctionaryV31, "<function=get_weather>{\"location\": \"Paris, France\", \"unit\": \"celsius\"}</function>", "",
       "<function=python>{\"code\": \"1\"}</function>", "<function=search>{\"query\": \"x\", \"tags\": \"a\"}</function>"},
      {ToolFormat::FunctionaryV32, "get_weather\n{\"location\": \"Paris, France\", \"unit\": \"celsius\"}",
       "get_weather\n{\"location\": \"Paris, France\"}>>>search\n{\"query\": \"x\"}", "all\n{\"location\": \"Paris, France\"}",
       "search\n{\"query\": \"x\", \"limit\": true}"},
      {ToolFormat::Glm,
       "<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris, France</arg_value>\n<arg_key>unit</arg_key>\n"
       "<arg_value>celsius</arg_value>\n</tool_call>",
       "<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>a <b> </arg_valu </arg_value>\n</tool_call>\n"
       "<tool_call>search\n<arg_key>query</arg_key>\n<arg_value>x</arg_value>\n<arg_key>limit</arg_key>\n<arg_value>3</arg_value>\n"
       "<arg_key>exact</arg_key>\n<arg_value>true</arg_value>\n</tool_call>",
       "<tool_call>get_time\n<arg_key>location</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>",
       "<tool_call>search\n<arg_key>query</arg_key>\n<arg_value>x</arg_value>\n<arg_key>limit</arg_key>\n<arg_value>three</arg_value>\n</tool_call>"},
      {ToolFormat::MiniMax,
       "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Paris, France</parameter>\n"
       "<parameter name=\"unit\">celsius</parameter>\n</invoke>\n</minimax:tool_call>",
       "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Paris</parameter>\n</invoke>\n"
       "<invoke name=\"search\">\n<parameter name=\"query\">x</parameter>\n<parameter name=\"tags\">[\"a\", \"b\"]</parameter>\n"
       "</invoke>\n</minimax:tool_call>",
       "<minimax:tool_call>\n<invoke name=\"weather\">\n<parameter name=\"location\">Paris</parameter>\n</invoke>\n</minimax:tool_call>",
       "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"unit\">celsius</parameter>\n</invoke>\n</minimax:tool_call>"},
      {ToolFormat::QwenXml,
       "<tool_call>\n<function=get_weather>\n<parameter=location>\nParis, France\n</parameter>\n<parameter=unit>\ncelsius\n"
       "</parameter>\n</function>\n</tool_call>",
       "<tool_call>\n<function=get_weather>\n<parameter=location>\nline one\nline two\n</parameter>\n</function>\n</tool_call>\n"
       "<tool_call>\n<function=search>\n<parameter=query>\nx\n</parameter>\n<parameter=exact>\nfalse\n</parameter>\n</function>\n</tool_call>",
       "<tool_call>\n<function=get_weathers>\n<parameter=location>\nParis\n</parameter>\n</function>\n</tool_call>",
       "<tool_call>\n<function=get_weather>\n<parameter=location>\nParis\n</parameter>\n<parameter=unit>\nkelvin\n</parameter>\n"
       "</function>\n</tool_call>"},
      {ToolFormat::SeedOss,
       "<seed:tool_call>\n<function=get_weather>\n<parameter=location>Paris, France</parameter>\n<parameter=unit>celsius</parameter>\n"
       "</function>\n</seed:tool_call>",
       "<seed:tool_call>\n<function=get_weather>\n<parameter=location>Paris</parameter>\n</function>\n</seed:tool_call>\n"
       "<seed:tool_call>\n<function=search>\n<parameter=query>x</parameter>\n</function>\n</seed:tool_call>",
       "<seed:tool_call>\n<function=Search>\n<parameter=query>x</parameter>\n</function>\n</seed:tool_call>",
       "<seed:tool_call>\n<function=search>\n<parameter=query>x</parameter>\n<parameter=limit>-</parameter>\n</function>\n</seed:tool_call>"},
  };
  return c;
}

bool accepts(const grammar::Grammar& g, std::string_view text) { return grammar::check(g, text).accepted; }

TEST(ToolCallGrammar, AcceptsTheTemplatesOwnCallText) {
  for (const auto& c : cases()) {
    auto label = tool_format_name(c.format);
    auto g = compile(c.format);
    EXPECT_TRUE(accepts(g, c.one)) << label << "\n" << c.one << "\n" << grammar::check(g, c.one).expected;
    auto parsed = parse_tool_calls(c.format, c.one, tools(), [](size_t i) { return std::to_string(i); });
    EXPECT_FALSE(parsed.failed) << label << parsed.failure;
    EXPECT_EQ(parsed.content, "") << label;
    ASSERT_EQ(parsed.calls.size(), 1u) << label;
    EXPECT_EQ(parsed.calls[0].name, "get_weather") << label;
    EXPECT_EQ(parsed.calls[0].arguments, R"({"location":"Paris, France","unit":"celsius"})") << label;
    if (!c.two.empty()) {
      EXPECT_TRUE(accepts(g, c.two)) << label << "\n" << c.two << "\n" << grammar::check(g, c.two).expected;
      auto two = parse_tool_calls(c.format, c.two, tools(), [](size_t i) { return std::to_string(i); });
      EXPECT_FALSE(two.failed) << label << two.failure;
      EXPECT_EQ(two.calls.size(), 2u) << label;
      // One call only when parallel calls are off.
      EXPECT_FALSE(accepts(compile(c.format, std::nullopt, false), c.two)) << label;
    }
  }
}

TEST(ToolCallGrammar, RejectsOtherNamesArgumentsAndText) {
  for (const auto& c : cases()) {
    auto label = tool_format_name(c.format);
    auto g = compile(c.format);
    EXPECT_FALSE(accepts(g, c.bad_name)) << label << "\n" << c.bad_name;
    EXPECT_FALSE(accepts(g, c.bad_args)) << label << "\n" << c.bad_args;
    EXPECT_FALSE(accepts(g, "Sure! " + c.one)) << label;
    EXPECT_FALSE(accepts(g, c.one + " Done.")) << label;
    EXPECT_FALSE(accepts(g, "")) << label;
    // A named function: only that one.
    auto named = compile(c.format, "search");
    EXPECT_FALSE(accepts(named, c.one)) << label;
  }
}

TEST(ToolCallGrammar, RawValuesNeverHoldTheClosingTag) {
  auto g = compile(ToolFormat::MiniMax);
  std::string head = "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">";
  std::string tail = "</parameter>\n</invoke>\n</minimax:tool_call>";
  for (std::string v : {"", "<", "<<", "</", "</param", "</parameter", "a</parameter x", "<</parameter<", "x <p> y"}) {
    EXPECT_TRUE(accepts(g, head + v + tail)) << v;
    // ...and the parser reads back exactly that value.
    auto r = parse_tool_calls(ToolFormat::MiniMax, head + v + tail, tools(), [](size_t) { return "id"; });
    ASSERT_EQ(r.calls.size(), 1u) << v << r.failure;
    EXPECT_EQ(*Json::parse(r.calls[0].arguments), Json(Json::Object{{"location", Json(v)}})) << v;
  }
  EXPECT_FALSE(accepts(g, head + "a</parameter>b" + tail));
}

TEST(ToolCallGrammar, Refusals) {
  EXPECT_FALSE(tool_call_gbnf(ToolFormat::None, tools(), std::nullopt, false));
  EXPECT_FALSE(tool_call_gbnf(ToolFormat::Hermes, tools(), "nope", false));
  EXPECT_FALSE(tool_call_gbnf(ToolFormat::Hermes, Json::array(), std::nullopt, false));
  auto pattern = *Json::parse(R"([{"type": "function", "function": {"name": "f", "parameters":
      {"type": "object", "properties": {"s": {"type": "string", "pattern": "^a+$"}}}}}])");
  auto err = tool_call_gbnf(ToolFormat::Glm, pattern, std::nullopt, false);
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message.find("'s'"), std::string::npos) << err.error().message;
  auto any_of = *Json::parse(R"([{"type": "function", "function": {"name": "f", "parameters":
      {"anyOf": [{"type": "object"}]}}}])");
  EXPECT_FALSE(tool_call_gbnf(ToolFormat::QwenXml, any_of, std::nullopt, false));
  auto spaced = *Json::parse(R"([{"type": "function", "function": {"name": "two words", "parameters": {}}}])");
  EXPECT_FALSE(tool_call_gbnf(ToolFormat::Hermes, spaced, std::nullopt, false));
}

TEST(ToolCallGrammar, ToolWithoutParameters) {
  auto t = *Json::parse(R"([{"type": "function", "function": {"name": "now"}}])");
  for (auto f : {ToolFormat::Glm, ToolFormat::QwenXml, ToolFormat::Hermes}) {
    auto text = tool_call_gbnf(f, t, std::nullopt, false);
    ASSERT_TRUE(text) << text.error().to_string();
    auto g = grammar::parse_gbnf(*text);
    ASSERT_TRUE(g) << g.error().to_string() << "\n" << *text;
  }
  auto g = *grammar::parse_gbnf(*tool_call_gbnf(ToolFormat::Glm, t, std::nullopt, false));
  EXPECT_TRUE(accepts(g, "<tool_call>now\n</tool_call>"));
}

}  // namespace
}  // namespace heft::chat
