#pragma once
// The body of POST /v1/completions and /v1/chat/completions as the OpenAI API
// defines it (plus llama-server's extensions top_k, min_p, repeat_penalty and
// chat_template_kwargs), checked field by field: a field of the wrong type or
// out of range, a field heft does not know, or one it cannot honour yet is a
// 400 that names it. Nothing here touches the model; the server resolves the
// prompt and the model's sampling defaults afterwards.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "serve/api_error.h"
#include "session/sampling.h"
#include "util/json.h"

namespace heft::serve {

enum class Endpoint { Completions, ChatCompletions };

// What the output must be: response_format (OpenAI), llama-server's `grammar`
// (GBNF text) and `json_schema` fields, or vLLM's `guided_json` and `guided_choice`;
// at most one of them.
struct OutputFormat {
  enum class Kind { Text, JsonObject, JsonSchema, Grammar };
  Kind kind = Kind::Text;
  util::Json schema;   // JsonSchema
  bool strict = true;  // JsonSchema: false skips (and reports) keywords heft cannot enforce
  std::string gbnf;    // Grammar
  std::string field;   // the request field it came from, for errors
};

struct CompletionRequest {
  Endpoint endpoint = Endpoint::Completions;
  std::string model;                   // may be empty
  // Completions: the prompt as text, or as token ids.
  std::optional<std::string> prompt_text;
  std::vector<int32_t> prompt_ids;
  // Chat: messages with text content (parts joined), as the template gets them.
  util::Json messages;
  util::Json chat_template_kwargs = util::Json::object();
  std::optional<int64_t> max_tokens;   // max_tokens or max_completion_tokens
  std::vector<std::string> stop;
  int64_t n = 1;
  session::SamplingSettings sampling;  // logit_bias ids checked against the vocabulary later
  int top_logprobs = -1;               // -1: no logprobs
  bool stream = false, include_usage = false;
  std::string user;
  OutputFormat output;
  // Chat: OpenAI tools ([{"type": "function", "function": {...}}], null: none) and the choice.
  util::Json tools;
  enum class ToolChoice { Auto, None, Required, Named };
  ToolChoice tool_choice = ToolChoice::Auto;
  std::string tool_choice_name;  // Named
  bool parallel_tool_calls = true;
};

// Parses and checks one request body (already valid JSON).
std::expected<CompletionRequest, ApiError> parse_completion_request(const util::Json& body, Endpoint endpoint);

}  // namespace heft::serve
