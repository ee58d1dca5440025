// libFuzzer: arbitrary bytes as a JSON Schema (the compiler must refuse or
// produce GBNF that parses), then as a model reply read for tool calls in
// every family, whole and streamed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chat/tool_calls.h"
#include "grammar/gbnf.h"
#include "grammar/json_schema.h"
#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heft;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  volatile size_t sink = 0;
  if (auto json = util::Json::parse(text, "fuzz")) {
    for (bool strict : {true, false}) {
      auto s = grammar::schema_to_gbnf(*json, {.strict = strict});
      if (!s) continue;
      auto g = grammar::parse_gbnf(s->gbnf);
      if (!g) __builtin_trap();  // the compiler wrote GBNF its own parser refuses
      sink = sink + g->rules.size();
    }
  }
  static const util::Json tools = *util::Json::parse(
      R"([{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}}}}}])");
  using chat::ToolFormat;
  for (auto f : {ToolFormat::Hermes, ToolFormat::Llama3, ToolFormat::MistralJson, ToolFormat::MistralArgs, ToolFormat::Glm,
                 ToolFormat::MiniMax, ToolFormat::QwenXml, ToolFormat::SeedOss, ToolFormat::FunctionaryV31,
                 ToolFormat::FunctionaryV32}) {
    auto id = [](size_t i) { return std::to_string(i); };
    sink = sink + chat::parse_tool_calls(f, text, tools, id).calls.size();
    chat::ToolCallStream stream(f, tools, id);
    for (size_t i = 0; i < size; i += 5) sink = sink + stream.feed(text.substr(i, 5)).content.size();
    sink = sink + stream.finish().tool_calls.size();
  }
  return 0;
}
