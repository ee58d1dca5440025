// Tool calls out of model replies, per chat-template family: which family each
// shared template writes, golden replies written by hand from each template's
// own rendering of past calls, broken replies (content kept, failure flagged),
// and streams that add up to the whole-text parse at every split point.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "chat/tool_calls.h"
#include "chat/tool_fixtures.h"
#include "support/test_paths.h"

namespace heft::chat {
namespace {

using util::Json;

const Json& tools() { return fixtures::sample_tools(true); }

std::string seq_id(size_t i) { return "call_" + std::to_string(i); }

ParsedReply parse(ToolFormat f, std::string_view text) { return parse_tool_calls(f, text, tools(), seq_id); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ------------------------------------------------------------ detection

TEST(ToolFormat, EverySharedTemplate) {
  using F = ToolFormat;
  // Read from each template's history branch (how it renders an assistant's tool_calls).
  const std::map<std::string, ToolFormat> expected = {
      {"Apertus-8B-Instruct", F::None},  // <|tools_prefix|>[{"name": {...}}]<|tools_suffix|>
      {"Apriel-1.6-15b-Thinker-fixed", F::None},  // <tool_calls>[...]</tool_calls>
      {"Bielik-11B-v3.0-Instruct", F::Hermes},
      {"ByteDance-Seed-OSS", F::SeedOss},
      {"CohereForAI-c4ai-command-r-plus-tool_use", F::None},  // Action: ```json [...]```
      {"CohereForAI-c4ai-command-r7b-12-2024-tool_use", F::None},  // <|START_ACTION|>
      {"GLM-4.6", F::Glm},
      {"GLM-4.7-Flash", F::Glm},
      {"GigaChat3-10B-A1.8B", F::None},
      {"GigaChat3.1-10B-A1.8B", F::None},
      {"HuggingFaceTB-SmolLM3-3B", F::None},
      {"Kimi-K2-Instruct", F::None},  // <|tool_calls_section_begin|>
      {"Kimi-K2-Thinking", F::None},
      {"LFM2-8B-A1B", F::None},
      {"LFM2.5-8B-A1B", F::None},  // <|tool_call_start|>[python calls]
      {"LFM2.5-Instruct", F::None},
      {"MiMo-VL", F::Hermes},
      {"MiniMax-M2", F::MiniMax},
      {"Mistral-Small-3.2-24B-Instruct-2506", F::MistralArgs},
      {"NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", F::QwenXml},
      {"NVIDIA-Nemotron-Nano-v2", F::None},  // <TOOLCALL>[...]</TOOLCALL>
      {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", F::Hermes},
      {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", F::Hermes},
      {"Qwen-QwQ-32B", F::Hermes},
      {"Qwen-Qwen2.5-7B-Instruct", F::Hermes},
      {"Qwen-Qwen3-0.6B", F::Hermes},
      {"Qwen3-Coder", F::QwenXml},
      {"Qwen3.5-4B", F::QwenXml},
      {"Reka-Edge", F::Hermes},
      {"StepFun3.5-Flash", F::QwenXml},
      {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B", F::None},
      {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", F::None},
      {"deepseek-ai-DeepSeek-V3.1", F::None},
      {"deepseek-ai-DeepSeek-V3.2", F::None},
      {"fireworks-ai-llama-3-firefunction-v2", F::None},  // functools[...]
      {"google-gemma-2-2b-it", F::None},
      {"google-gemma-4-31B-it-interleaved", F::None},
      {"google-gemma-4-31B-it", F::None},
      {"ibm-granite-granite-3.3-2B-Instruct", F::None},  // <|tool_call|>[...]
      {"ibm-granite-granite-4.0", F::Hermes},
      {"ibm-granite-granite-4.1", F::Hermes},
      {"llama-cpp-deepseek-r1", F::None},
      {"llama-cpp-rwkv-world", F::None},
      {"meetkai-functionary-medium-v3.1", F::FunctionaryV31},
      {"meetkai-functionary-medium-v3.2", F::FunctionaryV32},
      {"meta-llama-Llama-3.1-8B-Instruct", F::Llama3},
      {"meta-llama-Llama-3.2-3B-Instruct", F::Llama3},
      {"meta-llama-Llama-3.3-70B-Instruct", F::Llama3},
      {"microsoft-Phi-3.5-mini-instruct", F::None},
      {"mistralai-Ministral-3-14B-Reasoning-2512", F::MistralArgs},
      {"mistralai-Mistral-Nemo-Instruct-2407", F::MistralJson},
      {"moonshotai-Kimi-K2", F::None},
      {"openai-gpt-oss-120b", F::None},
      {"stepfun-ai-Step-3.5-Flash", F::QwenXml},
      {"unsloth-Apriel-1.5", F::None},
      {"unsloth-mistral-Devstral-Small-2507", F::MistralArgs},
      {"upstage-Solar-Open-100B", F::None},
  };
  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(test::shared("templates"))) {
    if (entry.path().extension() != ".jinja") continue;
    std::string name = entry.path().stem().string();
    seen.insert(name);
    auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "new template without an expected tool format: " << name;
    EXPECT_EQ(tool_format_name(tool_format(read_file(entry.path().string()))), tool_format_name(it->second)) << name;
  }
  EXPECT_EQ(seen.size(), expected.size());
}

TEST(ToolFormat, NamesAndParallel) {
  EXPECT_EQ(tool_format_name(ToolFormat::Hermes), "hermes");
  EXPECT_EQ(tool_format_name(ToolFormat::FunctionaryV32), "functionary-v3.2");
  EXPECT_TRUE(tool_format_parallel(ToolFormat::Hermes));
  EXPECT_TRUE(tool_format_parallel(ToolFormat::MiniMax));
  EXPECT_FALSE(tool_format_parallel(ToolFormat::Llama3));
  EXPECT_FALSE(tool_format_parallel(ToolFormat::None));
}

// --------------------------------------------------------------- goldens

struct Golden {
  const char* label;
  ToolFormat format;
  std::string text;
  std::string content;
  std::vector<std::pair<std::string, std::string>> calls;  // name, arguments
};

// Each text follows the template's rendering of an assistant message with
// tool_calls (the form the model was trained on), written out by hand.
const std::vector<Golden>& goldens() {
  static const std::vector<Golden> g = {
      {"hermes (Qwen2.5 / Hermes 2 Pro)", ToolFormat::Hermes,
       "I'll check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\", "
       "\"unit\": \"celsius\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"Paris "
       "events\", \"limit\": 3}}\n</tool_call>",
       "I'll check both.\n",
       {{"get_weather", R"({"location":"Paris, France","unit":"celsius"})"},
        {"search", R"({"query":"Paris events","limit":3})"}}},
      {"hermes, arguments first and spaced", ToolFormat::Hermes,
       "<tool_call>\n{ \"arguments\" : { \"query\" : \"a  b\" } , \"name\" : \"search\" }\n</tool_call>", "",
       {{"search", R"({"query":"a  b"})"}}},
      {"hermes, plain reply", ToolFormat::Hermes, "No tools needed: 2 < 3 and <b>bold</b>.",
       "No tools needed: 2 < 3 and <b>bold</b>.", {}},
      {"llama3 JSON reply", ToolFormat::Llama3,
       "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Paris, France\", \"unit\": \"celsius\"}}", "",
       {{"get_weather", R"({"location":"Paris, France","unit":"celsius"})"}}},
      {"llama3 with type", ToolFormat::Llama3,
       "\n{\"type\": \"function\", \"name\": \"search\", \"parameters\": {\"query\": \"llamas\"}}", "",
       {{"search", R"({"query":"llamas"})"}}},
      {"llama3 built-in", ToolFormat::Llama3, "<|python_tag|>brave_search.call(query=\"weather in Paris\")", "",
       {{"brave_search", R"({"query":"weather in Paris"})"}}},
      {"llama3 code", ToolFormat::Llama3, "<|python_tag|>print(6 * 7)", "", {{"python", R"j({"code":"print(6 * 7)"})j"}}},
      {"llama3 JSON answer is content", ToolFormat::Llama3, "{\"answer\": 42}", "{\"answer\": 42}", {}},
      {"mistral nemo", ToolFormat::MistralJson,
       "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\", \"unit\": "
       "\"celsius\"}, \"id\": \"a1b2c3d4e\"}, {\"name\": \"search\", \"arguments\": {\"query\": \"Paris events\"}, "
       "\"id\": \"f5g6h7i8j\"}]",
       "",
       {{"get_weather", R"({"location":"Paris, France","unit":"celsius"})"},
        {"search", R"({"query":"Paris events"})"}}},
      {"mistral small 3.2 (with [CALL_ID])", ToolFormat::MistralArgs,
       "[TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{\"location\": \"Paris, France\", \"unit\": \"celsius\"}", "",
       {{"get_weather", R"({"location":"Paris, France","unit":"celsius"})"}}},
      {"devstral / ministral 3, two calls", ToolFormat::MistralArgs,
       "Checking.[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris, France\"}[TOOL_CALLS]search[ARGS]{\"query\": "
       "\"Paris events\", \"limit\": 3}",
       "Checking.",
       {{"get_weather", R"({"location":"Paris, France"})"}, {"search", R"({"query":"Paris events","limit":3})"}}},
      {"glm 4.6", ToolFormat::Glm,
       "\n<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris, France</arg_value>\n<arg_key>days</"
       "arg_key>\n<arg_value>3</arg_value>\n</tool_call>",
       "\n", {{"get_weather", R"({"location":"Paris, France","days":3})"}}},
      {"glm 4.7, two calls", ToolFormat::Glm,
       "<tool_call>search<arg_key>query</arg_key><arg_value>Paris \"events\"</arg_value><arg_key>exact</"
       "arg_key><arg_value>true</arg_value><arg_key>tags</arg_key><arg_value>[\"a\", \"b\"]</arg_value></"
       "tool_call><tool_call>get_weather<arg_key>location</arg_key><arg_value>42</arg_value></tool_call>",
       "",
       {{"search", R"({"query":"Paris \"events\"","exact":true,"tags":["a","b"]})"},
        {"get_weather", R"({"location":"42"})"}}},
      {"minimax m2", ToolFormat::MiniMax,
       "Let me look.\n<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter "
       "name=\"location\">Paris, France</parameter>\n<parameter name=\"days\">3</parameter>\n</invoke>\n<invoke "
       "name=\"search\">\n<parameter name=\"query\">Paris events</parameter>\n</invoke>\n</minimax:tool_call>",
       "Let me look.\n",
       {{"get_weather", R"({"location":"Paris, France","days":3})"}, {"search", R"({"query":"Paris events"})"}}},
      {"qwen3-coder xml", ToolFormat::QwenXml,
       "<tool_call>\n<function=get_weather>\n<parameter=location>\nParis, France\n</parameter>\n<parameter=days>\n3\n<"
       "/parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=python>\n<parameter=code>\nfor i in "
       "range(3):\n    print(i)\n</parameter>\n</function>\n</tool_call>",
       "",
       {{"get_weather", R"({"location":"Paris, France","days":3})"},
        {"python", R"j({"code":"for i in range(3):\n    print(i)"})j"}}},
      {"qwen3-coder xml, Python booleans", ToolFormat::QwenXml,
       "Searching.\n\n<tool_call>\n<function=search>\n<parameter=query>\nx\n</parameter>\n<parameter=exact>\nTrue\n</"
       "parameter>\n</function>\n</tool_call>",
       "Searching.\n\n", {{"search", R"({"query":"x","exact":true})"}}},
      {"seed-oss", ToolFormat::SeedOss,
       "<seed:tool_call>\n<function=get_weather>\n<parameter=location>Paris, France</parameter>\n<parameter=unit>"
       "celsius</parameter>\n</function>\n</seed:tool_call>",
       "", {{"get_weather", R"({"location":"Paris, France","unit":"celsius"})"}}},
      {"functionary v3.1", ToolFormat::FunctionaryV31,
       "<function=get_weather>{\"location\": \"Paris, France\", \"unit\": \"celsius\"}</function>", "",
       {{"get_weather", R"({"location":"Paris, France","unit":"celsius"})"}}},
      {"functionary v3.1 python", ToolFormat::FunctionaryV31, "<|python_tag|>import math\nprint(math.pi)", "",
       {{"python", R"j({"code":"import math\nprint(math.pi)"})j"}}},
      {"functionary v3.2 with text", ToolFormat::FunctionaryV32,
       "all\nLet me check.>>>get_weather\n{\"location\": \"Paris, France\", \"unit\": \"celsius\"}>>>search\n{\"query\": "
       "\"Paris events\"}",
       "Let me check.",
       {{"get_weather", R"({"location":"Paris, France","unit":"celsius"})"}, {"search", R"({"query":"Paris events"})"}}},
      {"functionary v3.2 call first", ToolFormat::FunctionaryV32, "get_weather\n{\"location\": \"Paris\"}", "",
       {{"get_weather", R"({"location":"Paris"})"}}},
      {"functionary v3.2 plain", ToolFormat::FunctionaryV32, "all\nHello there!", "Hello there!", {}},
      {"glm, closing tag cut off by the end of the reply", ToolFormat::Glm,
       "<tool_call>search\n<arg_key>query</arg_key>\n<arg_value>x</arg_value>\n", "", {{"search", R"({"query":"x"})"}}},
      {"hermes, closing tag cut off by the end of the reply", ToolFormat::Hermes,
       "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"x\"}}", "", {{"search", R"({"query":"x"})"}}},
      {"none passes everything", ToolFormat::None, "<tool_call>\n{\"name\": \"x\"}\n</tool_call>",
       "<tool_call>\n{\"name\": \"x\"}\n</tool_call>", {}},
  };
  return g;
}

void expect_golden(const Golden& g, const ParsedReply& r) {
  EXPECT_FALSE(r.failed) << g.label << ": " << r.failure;
  EXPECT_EQ(r.content, g.content) << g.label;
  ASSERT_EQ(r.calls.size(), g.calls.size()) << g.label;
  for (size_t i = 0; i < g.calls.size(); ++i) {
    EXPECT_EQ(r.calls[i].id, seq_id(i)) << g.label;
    EXPECT_EQ(r.calls[i].name, g.calls[i].first) << g.label;
    EXPECT_EQ(r.calls[i].arguments, g.calls[i].second) << g.label;
    EXPECT_TRUE(Json::parse(r.calls[i].arguments)) << g.label;
  }
}

TEST(ToolCalls, Goldens) {
  for (const auto& g : goldens()) expect_golden(g, parse(g.format, g.text));
}

TEST(ToolCalls, RandomIds) {
  auto r = parse_tool_calls(ToolFormat::Hermes, goldens()[0].text, tools());
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].id.size(), 29u);
  EXPECT_TRUE(r.calls[0].id.starts_with("call_"));
  EXPECT_NE(r.calls[0].id, r.calls[1].id);
  EXPECT_EQ(random_tool_call_id(ToolFormat::MistralArgs).size(), 9u);
}

// ------------------------------------------------------------ malformed

struct Broken {
  ToolFormat format;
  std::string text;
};

const std::vector<Broken>& broken() {
  static const std::vector<Broken> b = {
      {ToolFormat::Hermes, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": }}\n</tool_call>"},
      {ToolFormat::Hermes, "Sure.\n<tool_call>\n{\"name\": \"launch_rockets\", \"arguments\": {}}\n</tool_call>"},
      {ToolFormat::Hermes, "<tool_call>\n{\"name\": \"get_weather\", \"argu"},
      {ToolFormat::Hermes, "<tool_call>\nget_weather(location='Paris')\n</tool_call>"},
      {ToolFormat::Hermes, "<tool_call>\n{\"name\": \"search\", \"arguments\": [1]}\n</tool_call>"},
      {ToolFormat::Hermes, "<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_cal> and more"},
      {ToolFormat::Llama3, "{\"name\": \"launch\", \"parameters\": {}}"},
      {ToolFormat::Llama3, "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Par"},
      {ToolFormat::Llama3, "<|python_tag|>brave_search.call(query=)"},
      {ToolFormat::Llama3, "<|python_tag|>wolfram_alpha.call(query=\"2+2\")"},
      {ToolFormat::MistralJson, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {}}, oops]"},
      {ToolFormat::MistralArgs, "[TOOL_CALLS]get weather now[ARGS]{}"},
      {ToolFormat::MistralArgs, "[TOOL_CALLS]get_weather{\"location\": \"Paris\"}"},
      {ToolFormat::MistralArgs, "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris\""},
      {ToolFormat::Glm, "<tool_call>get_weather\n<arg_key>days</arg_key>\n<arg_value>three</arg_value>\n</tool_call>"},
      {ToolFormat::Glm, "<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris"},
      {ToolFormat::Glm, "<tool_call>nope\n</tool_call>"},
      {ToolFormat::MiniMax, "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Paris"},
      {ToolFormat::MiniMax, "<minimax:tool_call>\n<call name=\"get_weather\"/>\n</minimax:tool_call>"},
      {ToolFormat::QwenXml, "<tool_call>\n<function=get_weather>\n<parameter=location>\nParis"},
      {ToolFormat::QwenXml, "<tool_call>\n<function=search>\n<parameter=limit>\nmany\n</parameter>\n</function>\n</tool_call>"},
      {ToolFormat::SeedOss, "<seed:tool_call>\n<function=unknown>\n</function>\n</seed:tool_call>"},
      {ToolFormat::FunctionaryV31, "<function=get_weather>{\"location\": </function>"},
      {ToolFormat::FunctionaryV32, "all\nChecking>>>unknown_tool\n{}"},
      {ToolFormat::FunctionaryV32, "search\nnot json"},
  };
  return b;
}

TEST(ToolCalls, BrokenRepliesKeepTheirText) {
  for (const auto& b : broken()) {
    auto r = parse(b.format, b.text);
    EXPECT_TRUE(r.failed) << b.text;
    EXPECT_FALSE(r.failure.empty()) << b.text;
    EXPECT_EQ(r.content, b.text);
    EXPECT_TRUE(r.calls.empty()) << b.text;
  }
}

TEST(ToolCalls, UnknownToolsFailWithoutTools) {
  auto r = parse_tool_calls(ToolFormat::Hermes, goldens()[0].text, Json::array(), seq_id);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(r.content, goldens()[0].text);
  auto code = parse_tool_calls(ToolFormat::Llama3, "<|python_tag|>print(1)", Json(), seq_id);
  EXPECT_TRUE(code.failed);
}

// ------------------------------------------------------------- streaming

struct Streamed {
  std::string content;
  std::vector<ToolCall> calls;
  bool failed = false;
  bool well_formed = true;  // id and name exactly on each call's first delta, indices in order
};

void absorb(Streamed& s, const ReplyDelta& d) {
  s.content += d.content;
  for (const auto& t : d.tool_calls) {
    if (t.index == s.calls.size()) {
      s.well_formed &= !t.id.empty() && !t.name.empty();
      s.calls.push_back({t.id, t.name, t.arguments});
    } else if (t.index + 1 == s.calls.size()) {
      s.well_formed &= t.id.empty() && t.name.empty();
      s.calls.back().arguments += t.arguments;
    } else {
      s.well_formed = false;
    }
  }
}

Streamed stream(ToolFormat f, const std::vector<std::string_view>& pieces) {
  ToolCallStream st(f, tools(), seq_id);
  Streamed s;
  for (auto p : pieces) absorb(s, st.feed(p));
  absorb(s, st.finish());
  s.failed = st.failed();
  return s;
}

void expect_stream_matches(ToolFormat f, std::string_view text, const std::vector<std::string_view>& pieces,
                           const std::string& how) {
  auto whole = parse_tool_calls(f, text, tools(), seq_id);
  auto s = stream(f, pieces);
  EXPECT_TRUE(s.well_formed) << how;
  EXPECT_EQ(s.failed, whole.failed) << how;
  if (whole.failed) {
    // Calls already streamed stay streamed; when none were, the text comes back as
    // content (less a leading "all\n" recipient line that functionary v3.2 consumed).
    if (s.calls.empty()) {
      EXPECT_TRUE(text.ends_with(s.content)) << how;
      EXPECT_GE(s.content.size() + 4, text.size()) << how;
    }
    return;
  }
  EXPECT_EQ(s.content, whole.content) << how;
  EXPECT_EQ(s.calls, whole.calls) << how;
}

void expect_stream_every_split(ToolFormat f, std::string_view text, const std::string& label) {
  for (size_t cut = 0; cut <= text.size(); ++cut)
    expect_stream_matches(f, text, {text.substr(0, cut), text.substr(cut)}, label + " cut at " + std::to_string(cut));
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < text.size(); ++i) bytes.push_back(text.substr(i, 1));
  expect_stream_matches(f, text, bytes, label + " byte by byte");
  for (size_t piece : {size_t{3}, size_t{7}}) {
    std::vector<std::string_view> pieces;
    for (size_t i = 0; i < text.size(); i += piece) pieces.push_back(text.substr(i, piece));
    expect_stream_matches(f, text, pieces, label + " in pieces of " + std::to_string(piece));
  }
}

TEST(ToolCallStream, GoldensAtEverySplit) {
  for (const auto& g : goldens()) expect_stream_every_split(g.format, g.text, g.label);
}

TEST(ToolCallStream, BrokenAtEverySplit) {
  for (const auto& b : broken()) expect_stream_every_split(b.format, b.text, b.text);
}

TEST(ToolCallStream, ContentGoesOutAtOnceAndMarkersAreHeld) {
  ToolCallStream st(ToolFormat::Hermes, tools(), seq_id);
  EXPECT_EQ(st.feed("Hello ").content, "Hello ");
  EXPECT_EQ(st.feed("world <tool").content, "world ");  // "<tool" may open a call
  EXPECT_EQ(st.feed("box>").content, "<toolbox>");     // it did not
  auto d = st.feed("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Par");
  EXPECT_EQ(d.content, "");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0], (ToolCallDelta{0, "call_0", "get_weather", R"({"location":"Par)"}));
  d = st.feed("is\"}}\n</tool_call>");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0], (ToolCallDelta{0, "", "", R"(is"})"}));
  d = st.feed(" Done.");
  EXPECT_EQ(d.content, "Done.");
  EXPECT_TRUE(st.finish().empty());
  EXPECT_EQ(st.call_count(), 1u);
  EXPECT_FALSE(st.failed());
}

TEST(ToolCallStream, RawParametersStreamOneAtATime) {
  ToolCallStream st(ToolFormat::Glm, tools(), seq_id);
  auto d = st.feed("<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris</arg_value>\n<arg_key>da");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0], (ToolCallDelta{0, "call_0", "get_weather", R"({"location":"Paris")"}));
  d = st.feed("ys</arg_key>\n<arg_value>2</arg_value>\n</tool_call>");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0].arguments, R"(,"days":2})");
}

TEST(ToolCallStream, BrokenCallComesBackAsContent) {
  ToolCallStream st(ToolFormat::MistralArgs, tools(), seq_id);
  EXPECT_EQ(st.feed("Hi [TOOL_").content, "Hi ");
  EXPECT_EQ(st.feed("CALLS]get_weather").content, "");
  auto d = st.feed(" is sunny");
  EXPECT_TRUE(st.failed());
  EXPECT_EQ(d.content, "[TOOL_CALLS]get_weather is sunny");
  EXPECT_EQ(st.feed(" today").content, " today");
  EXPECT_TRUE(st.finish().empty());
}

TEST(ToolCallStream, HeldMarkerPrefixComesOutAtTheEnd) {
  ToolCallStream st(ToolFormat::MiniMax, tools(), seq_id);
  EXPECT_EQ(st.feed("a <minimax:tool").content, "a ");
  EXPECT_EQ(st.finish().content, "<minimax:tool");
  EXPECT_FALSE(st.failed());
}

}  // namespace
}  // namespace heft::chat
