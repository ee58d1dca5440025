#pragma once
// Which way a model writes its tool calls, recognised from the markers its
// chat template contains. The template shows the model its own past calls in
// exactly the form it was trained to produce, so the history-rendering branch
// of the template is the specification each parser and grammar follows.
#include <string_view>

namespace heft::chat {

enum class ToolFormat {
  None,           // no tool-call syntax heft knows: the reply is all content
  Hermes,         // <tool_call>\n{"name": N, "arguments": {...}}\n</tool_call> (Hermes 2/3, Qwen2.5/3, Granite 4, ...)
  Llama3,         // {"name": N, "parameters": {...}} as the whole reply; <|python_tag|> for built-in tools
  MistralJson,    // [TOOL_CALLS][{"name": N, "arguments": {...}, "id": "abcdefghi"}, ...] (Mistral Nemo)
  MistralArgs,    // [TOOL_CALLS]N[ARGS]{...} per call (Mistral Small 3.2, Devstral, Ministral 3)
  Glm,            // <tool_call>N\n<arg_key>k</arg_key>\n<arg_value>v</arg_value>\n</tool_call> (GLM 4.5-4.7)
  MiniMax,        // <minimax:tool_call>\n<invoke name="N">\n<parameter name="k">v</parameter>\n</invoke>\n</minimax:tool_call>
  QwenXml,        // <tool_call>\n<function=N>\n<parameter=k>\nv\n</parameter>\n</function>\n</tool_call>
                  // (Qwen3-Coder, Qwen3.5, Nemotron 3 Nano, Step 3.5)
  SeedOss,        // <seed:tool_call>\n<function=N>\n<parameter=k>v</parameter>\n</function>\n</seed:tool_call>
  FunctionaryV31, // <function=N>{...}</function>; <|python_tag|>code
  FunctionaryV32, // N\n{...}>>>N2\n{...} (the prompt ends with ">>>"; "all\n" opens plain text)
};

// The family a template writes; ToolFormat::None when it shows no tool-call
// syntax heft parses (the caller then returns replies as plain content).
ToolFormat tool_format(std::string_view template_source);

// "hermes", "llama3", "mistral-json", "mistral-args", "glm", "minimax",
// "qwen-xml", "seed-oss", "functionary-v3.1", "functionary-v3.2", "none".
std::string_view tool_format_name(ToolFormat format);

// Whether the family writes several calls in one reply (Llama 3.x templates
// refuse more than one).
bool tool_format_parallel(ToolFormat format);

}  // namespace heft::chat
