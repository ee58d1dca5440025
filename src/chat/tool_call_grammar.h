#pragma once
// A GBNF grammar (llama.cpp syntax, start rule `root`) for tool_choice
// "required" or a named function: the reply is exactly the family's call text
// (one call, or one or more when `parallel` and the family writes several),
// in the form its template renders past calls, with each call's arguments
// held to the tool's `parameters` JSON Schema (grammar/json_schema.h). No
// free text before or after; the family's closing marker is included.
#include <optional>
#include <string>

#include "chat/tool_call_format.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::chat {

// Errors: ToolFormat::None, no tools (or `only_name` not among them), a tool
// name the family cannot write, a schema the compiler refuses, and, for the
// raw-valued families (GLM, MiniMax, Qwen XML, Seed-OSS), parameter schemas
// whose raw text cannot be held exactly (constrained strings other than an
// enum, or parameters that are not a plain object of properties).
util::Result<std::string> tool_call_gbnf(ToolFormat format, const util::Json& tools,
                                         std::optional<std::string> only_name, bool parallel);

}  // namespace heft::chat
