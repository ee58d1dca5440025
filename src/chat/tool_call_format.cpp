#include "chat/tool_call_format.h"

namespace heft::chat {

ToolFormat tool_format(std::string_view t) {
  auto has = [&](std::string_view s) { return t.find(s) != std::string_view::npos; };
  // Most specific first: several families share "<tool_call>" and "<function=".
  if (has("<minimax:tool_call>")) return ToolFormat::MiniMax;
  if (has("<seed:tool_call>") && has("<parameter=")) return ToolFormat::SeedOss;
  if (has("<arg_key>") && has("<tool_call>")) return ToolFormat::Glm;
  if (has("<tool_call>") && has("<function=") && has("<parameter=")) return ToolFormat::QwenXml;
  if (has("[TOOL_CALLS]")) return has("[ARGS]") ? ToolFormat::MistralArgs : ToolFormat::MistralJson;
  if (has(">>>") && has("recipient")) return ToolFormat::FunctionaryV32;
  if (has("<function=") && has("</function>")) return ToolFormat::FunctionaryV31;
  // Apriel 1.5 names <tool_call> in its prose but writes <tool_calls>[...]: not Hermes.
  if (has("<tool_call>") && has("</tool_call>") && has("arguments") && !has("<tool_calls>["))
    return ToolFormat::Hermes;
  if (has("<|start_header_id|>") && (has("<|python_tag|>") || has("\"parameters\": ")))
    return ToolFormat::Llama3;
  return ToolFormat::None;
}

std::string_view tool_format_name(ToolFormat f) {
  switch (f) {
    case ToolFormat::None: return "none";
    case ToolFormat::Hermes: return "hermes";
    case ToolFormat::Llama3: return "llama3";
    case ToolFormat::MistralJson: return "mistral-json";
    case ToolFormat::MistralArgs: return "mistral-args";
    case ToolFormat::Glm: return "glm";
    case ToolFormat::MiniMax: return "minimax";
    case ToolFormat::QwenXml: return "qwen-xml";
    case ToolFormat::SeedOss: return "seed-oss";
    case ToolFormat::FunctionaryV31: return "functionary-v3.1";
    case ToolFormat::FunctionaryV32: return "functionary-v3.2";
  }
  return "none";
}

bool tool_format_parallel(ToolFormat f) {
  // Llama 3.x raises "only supports single tool-calls"; functionary v3.1's
  // prompt says "Only call one function at a time".
  return f != ToolFormat::None && f != ToolFormat::Llama3 && f != ToolFormat::FunctionaryV31;
}

}  // namespace heft::chat
