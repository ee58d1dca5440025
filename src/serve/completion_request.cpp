#include "serve/completion_request.h"

#include <fmt/format.h>

#include "grammar/gbnf_text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

namespace heft::serve {

namespace {

using util::Json;
using Fail = std::unexpected<ApiError>;

// Most choices (n) and stop strings one request may ask for: each choice is a
// whole generation, and each stop string is searched after every token.
constexpr int64_t kMaxChoices = 16;
constexpr size_t kMaxStops = 16;
constexpr int kMaxTopLogprobs = 20;  // OpenAI's limit

std::string kind_name(const Json& v) {
  switch (v.kind()) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Bool: return "a boolean";
    case Json::Kind::Int:
    case Json::Kind::UInt:
    case Json::Kind::Double: return "a number";
    case Json::Kind::String: return "a string";
    case Json::Kind::Array: return "an array";
    case Json::Kind::Object: return "an object";
  }
  return "?";
}

// Messages go through fmt: g++ 12 warns falsely (-Wrestrict) on chains of std::string +.
Fail wrong_type(std::string_view key, std::string_view want, const Json& v) {
  return Fail(bad_field(std::string(key), fmt::format("'{}' must be {}, not {}", key, want, kind_name(v))));
}

std::expected<double, ApiError> number(std::string_view key, const Json& v, double lo, double hi) {
  if (!v.is_number()) return wrong_type(key, "a number", v);
  const double d = v.as_double();
  if (!(d >= lo && d <= hi))
    return Fail(bad_field(std::string(key), fmt::format("'{}' must be between {} and {} (got {})", key,
                                                        util::format_json_double(lo), util::format_json_double(hi),
                                                        util::format_json_double(d))));
  return d;
}

std::expected<int64_t, ApiError> integer(std::string_view key, const Json& v, int64_t lo, int64_t hi) {
  const bool whole_double = v.kind() == Json::Kind::Double && std::floor(v.as_double()) == v.as_double() &&
                            std::abs(v.as_double()) < 9e15;
  if (!v.is_integer() && !whole_double) return wrong_type(key, "an integer", v);
  if (v.kind() == Json::Kind::UInt && v.as_uint() > static_cast<uint64_t>(INT64_MAX))
    return Fail(bad_field(std::string(key), fmt::format("'{}' is too large", key)));
  const int64_t i = v.is_integer() ? v.as_int() : static_cast<int64_t>(v.as_double());
  if (i < lo || i > hi)
    return Fail(bad_field(std::string(key), fmt::format("'{}' must be between {} and {} (got {})", key, lo, hi, i)));
  return i;
}

std::expected<bool, ApiError> boolean(std::string_view key, const Json& v) {
  if (!v.is_bool()) return wrong_type(key, "true or false", v);
  return v.as_bool();
}

// A message's content: a string, null (an assistant turn with tool calls), or text parts joined by newlines.
std::expected<Json, ApiError> message_content(const Json& c, const std::string& where) {
  if (c.is_string() || c.is_null()) return c;
  if (!c.is_array()) return wrong_type(where, "a string or an array of content parts", c);
  std::string text;
  size_t i = 0;
  for (const Json& part : c.as_array()) {
    const std::string at = where + "[" + std::to_string(i++) + "]";
    if (!part.is_object()) return wrong_type(at, "a content part object", part);
    const std::string type = part.get_string("type");
    if (type == "text") {
      const Json* t = part.find("text");
      if (!t || !t->is_string()) return Fail(bad_field(at + ".text", "a text part needs 'text' as a string"));
      if (!text.empty()) text += "\n";
      text += t->as_string();
    } else if (type == "image_url" || type == "input_image" || type == "input_audio" || type == "file" ||
               type == "image" || type == "audio") {
      return Fail(bad_field(at + ".type", "content of type '" + type + "' is not supported by this model"));
    } else {
      return Fail(bad_field(at + ".type", "unknown content part type '" + type + "'"));
    }
  }
  return Json(text);
}

std::expected<Json, ApiError> parse_messages(const Json& v) {
  if (!v.is_array()) return wrong_type("messages", "an array of messages", v);
  if (v.as_array().empty()) return Fail(bad_field("messages", "'messages' must hold at least one message"));
  Json out = Json::array();
  size_t i = 0;
  for (const Json& m : v.as_array()) {
    const std::string at = "messages[" + std::to_string(i++) + "]";
    if (!m.is_object()) return wrong_type(at, "a message object", m);
    Json msg = Json::object();
    for (const auto& [k, val] : m.as_object()) {
      if (k == "role") {
        if (!val.is_string()) return wrong_type(at + ".role", "a string", val);
        const std::string& r = val.as_string();
        if (r != "system" && r != "user" && r != "assistant" && r != "tool" && r != "developer")
          return Fail(bad_field(at + ".role", "unknown role '" + r + "' (system, developer, user, assistant, tool)"));
        msg.set("role", val);
      } else if (k == "content") {
        msg.set("content", HEFT_TRY(message_content(val, at + ".content")));
      } else if (k == "name" || k == "tool_call_id" || k == "reasoning_content") {
        if (!val.is_string() && !val.is_null()) return wrong_type(at + "." + k, "a string", val);
        if (!val.is_null()) msg.set(k, val);
      } else if (k == "tool_calls") {
        if (!val.is_array() && !val.is_null()) return wrong_type(at + ".tool_calls", "an array", val);
        if (!val.is_null()) msg.set(k, val);  // earlier turns' calls, for the template to print
      } else {
        return Fail(bad_field(at + "." + k, "unknown message field '" + k + "'"));
      }
    }
    if (!msg.find("role")) return Fail(bad_field(at + ".role", "every message needs a role"));
    if (!msg.find("content")) {
      if (msg.get_string("role") != "assistant" || !msg.find("tool_calls"))
        return Fail(bad_field(at + ".content", "every message needs content"));
      msg.set("content", Json());
    }
    out.push_back(std::move(msg));
  }
  return out;
}

// Two fields that each shape the output (response_format, json_schema, grammar, guided_*).
ApiError one_output_format(const std::string& key) {
  return bad_field(key, "give only one of response_format, json_schema, grammar, guided_json and guided_choice");
}

// response_format: {"type": "text"}, {"type": "json_object"} or {"type": "json_schema",
// "json_schema": {"name", "description", "schema", "strict"}} as OpenAI defines them.
std::expected<OutputFormat, ApiError> parse_response_format(const Json& v) {
  OutputFormat out;
  out.field = "response_format";
  if (!v.is_object()) return wrong_type("response_format", "an object", v);
  const Json* type = v.find("type");
  if (!type || !type->is_string())
    return Fail(bad_field("response_format.type", "'response_format.type' must be \"text\", \"json_object\" or \"json_schema\""));
  for (const auto& [k, x] : v.as_object())
    if (k != "type" && k != "json_schema")
      return Fail(bad_field("response_format." + k, "unknown response_format field '" + k + "'"));
  const std::string& t = type->as_string();
  if (t == "text") return out;
  if (t == "json_object") {
    out.kind = OutputFormat::Kind::JsonObject;
    return out;
  }
  if (t != "json_schema")
    return Fail(bad_field("response_format.type", "unknown response_format type '" + t + "' (text, json_object, json_schema)"));
  const Json* js = v.find("json_schema");
  if (!js || !js->is_object())
    return Fail(bad_field("response_format.json_schema", "response_format of type json_schema needs 'json_schema' as an object"));
  out.kind = OutputFormat::Kind::JsonSchema;
  bool have_schema = false;
  for (const auto& [k, x] : js->as_object()) {
    const std::string at = "response_format.json_schema." + k;
    if (k == "name" || k == "description") {
      if (!x.is_string()) return wrong_type(at, "a string", x);
    } else if (k == "schema") {
      if (!x.is_object() && !x.is_bool()) return wrong_type(at, "a JSON Schema object", x);
      out.schema = x;
      have_schema = true;
    } else if (k == "strict") {
      if (x.is_null()) continue;
      if (!x.is_bool()) return wrong_type(at, "a boolean", x);
      out.strict = x.as_bool();
    } else {
      return Fail(bad_field(at, "unknown json_schema field '" + k + "'"));
    }
  }
  // OpenAI's schema is optional: without one, any JSON value of the object kind.
  if (!have_schema) out.kind = OutputFormat::Kind::JsonObject;
  return out;
}

// tools: [{"type": "function", "function": {"name", "description", "parameters", "strict"}}].
std::expected<Json, ApiError> parse_tools(const Json& v) {
  if (!v.is_array()) return wrong_type("tools", "an array of tools", v);
  if (v.as_array().size() > 128) return Fail(bad_field("tools", "at most 128 tools"));
  std::vector<std::string> names;
  size_t i = 0;
  for (const Json& t : v.as_array()) {
    const std::string at = "tools[" + std::to_string(i++) + "]";
    if (!t.is_object()) return wrong_type(at, "a tool object", t);
    if (t.get_string("type") != "function") return Fail(bad_field(at + ".type", "only tools of type \"function\" are supported"));
    const Json* f = t.find("function");
    if (!f || !f->is_object()) return Fail(bad_field(at + ".function", "a tool needs 'function' as an object"));
    for (const auto& [k, x] : t.as_object())
      if (k != "type" && k != "function") return Fail(bad_field(at + "." + k, "unknown tool field '" + k + "'"));
    const Json* name = f->find("name");
    if (!name || !name->is_string()) return Fail(bad_field(at + ".function.name", "a function needs 'name' as a string"));
    const std::string& n = name->as_string();
    const bool valid = !n.empty() && n.size() <= 64 &&
                       std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
    if (!valid) return Fail(bad_field(at + ".function.name", "a function name is 1 to 64 of a-z, A-Z, 0-9, _ and - (got '" + n + "')"));
    if (std::find(names.begin(), names.end(), n) != names.end())
      return Fail(bad_field(at + ".function.name", "two tools are named '" + n + "'"));
    names.push_back(n);
    for (const auto& [k, x] : f->as_object()) {
      if (k == "name") continue;
      if (k == "description") {
        if (!x.is_string()) return wrong_type(at + ".function.description", "a string", x);
      } else if (k == "parameters") {
        if (!x.is_object()) return wrong_type(at + ".function.parameters", "a JSON Schema object", x);
      } else if (k == "strict") {
        if (!x.is_bool() && !x.is_null()) return wrong_type(at + ".function.strict", "a boolean", x);
      } else {
        return Fail(bad_field(at + ".function." + k, "unknown function field '" + k + "'"));
      }
    }
  }
  return v;
}

}  // namespace

std::expected<CompletionRequest, ApiError> parse_completion_request(const util::Json& body, Endpoint endpoint) {
  if (!body.is_object()) return Fail(ApiError{400, "the request body must be a JSON object"});
  const bool chat = endpoint == Endpoint::ChatCompletions;
  CompletionRequest r;
  r.endpoint = endpoint;
  bool logprobs = false;
  std::optional<int64_t> top_logprobs;
  for (const auto& [key, v] : body.as_object()) {
    if (v.is_null()) continue;  // OpenAI's clients send null for "not given"
    if (key == "model") {
      if (!v.is_string()) return wrong_type(key, "a string", v);
      r.model = v.as_string();
    } else if (key == "prompt" && !chat) {
      if (v.is_string()) {
        r.prompt_text = v.as_string();
      } else if (v.is_array() && v.as_array().size() == 1 && v.as_array()[0].is_string()) {
        r.prompt_text = v.as_array()[0].as_string();
      } else if (v.is_array() && !v.as_array().empty() && v.as_array()[0].is_number()) {
        for (const Json& id : v.as_array()) r.prompt_ids.push_back(static_cast<int32_t>(HEFT_TRY(integer("prompt", id, 0, INT32_MAX))));
      } else if (v.is_array() && v.as_array().size() > 1) {
        return Fail(bad_field("prompt", "several prompts in one request are not supported; send one request each"));
      } else {
        return wrong_type(key, "a string or an array of token ids", v);
      }
    } else if (key == "messages" && chat) {
      r.messages = HEFT_TRY(parse_messages(v));
    } else if (key == "max_tokens" || (key == "max_completion_tokens" && chat)) {
      r.max_tokens = HEFT_TRY(integer(key, v, 0, INT32_MAX));
    } else if (key == "temperature") {
      r.sampling.temperature = static_cast<float>(HEFT_TRY(number(key, v, 0, 2)));
    } else if (key == "top_p") {
      r.sampling.top_p = static_cast<float>(HEFT_TRY(number(key, v, 0, 1)));
      if (*r.sampling.top_p <= 0) return Fail(bad_field(key, "'top_p' must be above 0 (1: off)"));
    } else if (key == "min_p") {
      r.sampling.min_p = static_cast<float>(HEFT_TRY(number(key, v, 0, 1)));
    } else if (key == "top_k") {
      r.sampling.top_k = static_cast<int32_t>(HEFT_TRY(integer(key, v, 0, INT32_MAX)));
    } else if (key == "repeat_penalty") {
      r.sampling.repeat_penalty = static_cast<float>(HEFT_TRY(number(key, v, 0, 100)));
      if (*r.sampling.repeat_penalty <= 0) return Fail(bad_field(key, "'repeat_penalty' must be above 0 (1: off)"));
    } else if (key == "presence_penalty") {
      r.sampling.presence_penalty = static_cast<float>(HEFT_TRY(number(key, v, -2, 2)));
    } else if (key == "frequency_penalty") {
      r.sampling.frequency_penalty = static_cast<float>(HEFT_TRY(number(key, v, -2, 2)));
    } else if (key == "seed") {
      r.sampling.seed = static_cast<uint64_t>(HEFT_TRY(integer(key, v, INT64_MIN, INT64_MAX)));
    } else if (key == "stop") {
      if (v.is_string()) {
        r.stop.push_back(v.as_string());
      } else if (v.is_array()) {
        if (v.as_array().size() > kMaxStops)
          return Fail(bad_field(key, "'stop' may hold at most " + std::to_string(kMaxStops) + " strings"));
        for (const Json& s : v.as_array()) {
          if (!s.is_string()) return wrong_type(key, "a string or an array of strings", s);
          r.stop.push_back(s.as_string());
        }
      } else {
        return wrong_type(key, "a string or an array of strings", v);
      }
      for (const auto& s : r.stop)
        if (s.empty()) return Fail(bad_field(key, "a stop string must not be empty"));
    } else if (key == "n") {
      r.n = HEFT_TRY(integer(key, v, 1, kMaxChoices));
    } else if (key == "logit_bias") {
      if (!v.is_object()) return wrong_type(key, "an object of token ids to biases", v);
      for (const auto& [id_text, bias] : v.as_object()) {
        int64_t id = -1;
        try {
          size_t used = 0;
          id = std::stoll(id_text, &used);
          if (used != id_text.size()) id = -1;
        } catch (const std::exception&) {
        }
        if (id < 0 || id > INT32_MAX) return Fail(bad_field(key, "logit_bias key '" + id_text + "' is not a token id"));
        const double b = HEFT_TRY(number(key, bias, -100, 100));
        r.sampling.logit_bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(b));
      }
    } else if (key == "logprobs") {
      if (chat) {
        logprobs = HEFT_TRY(boolean(key, v));
      } else {  // completions: the number of most likely tokens to list besides the sampled one
        const int64_t k = HEFT_TRY(integer(key, v, 0, kMaxTopLogprobs));
        logprobs = true;
        top_logprobs = k;
      }
    } else if (key == "top_logprobs" && chat) {
      top_logprobs = HEFT_TRY(integer(key, v, 0, kMaxTopLogprobs));
    } else if (key == "stream") {
      r.stream = HEFT_TRY(boolean(key, v));
    } else if (key == "stream_options") {
      if (!v.is_object()) return wrong_type(key, "an object", v);
      for (const auto& [k, o] : v.as_object()) {
        if (k != "include_usage") return Fail(bad_field("stream_options." + k, "unknown stream option '" + k + "'"));
        if (!o.is_null()) r.include_usage = HEFT_TRY(boolean("stream_options.include_usage", o));
      }
    } else if (key == "user") {
      if (!v.is_string()) return wrong_type(key, "a string", v);
      r.user = v.as_string();
    } else if (key == "chat_template_kwargs" && chat) {
      if (!v.is_object()) return wrong_type(key, "an object", v);
      r.chat_template_kwargs = v;
    } else if (key == "response_format") {
      if (r.output.kind != OutputFormat::Kind::Text) return Fail(one_output_format(key));
      r.output = HEFT_TRY(parse_response_format(v));
    } else if (key == "guided_json" || key == "guided_choice") {  // vLLM's fields
      if (v.is_null()) continue;
      if (r.output.kind != OutputFormat::Kind::Text) return Fail(one_output_format(key));
      r.output.field = key;
      if (key == "guided_json") {
        if (!v.is_object() && !v.is_bool()) return wrong_type(key, "a JSON Schema object", v);
        r.output.kind = OutputFormat::Kind::JsonSchema;
        r.output.schema = v;
      } else {
        if (!v.is_array() || v.as_array().empty()) return wrong_type(key, "a non-empty array of strings", v);
        std::string gbnf = "root ::=";
        for (const auto& c : v.as_array()) {
          if (!c.is_string()) return wrong_type(key, "a non-empty array of strings", v);
          gbnf += (gbnf.size() > 8 ? " | " : " ") + grammar::gbnf_literal(c.as_string());
        }
        r.output.kind = OutputFormat::Kind::Grammar;
        r.output.gbnf = gbnf + "\n";
      }
    } else if (key == "guided_regex" || key == "guided_grammar" || key == "guided_decoding_backend") {
      return Fail(bad_field(key, "'" + key + "' is not supported; send a JSON Schema (response_format, guided_json) or GBNF ('grammar')"));
    } else if (key == "json_schema" || key == "grammar") {  // llama-server's fields
      if (v.is_null()) continue;
      if (r.output.kind != OutputFormat::Kind::Text) return Fail(one_output_format(key));
      r.output.field = key;
      if (key == "grammar") {
        if (!v.is_string()) return wrong_type(key, "a string of GBNF", v);
        r.output.kind = OutputFormat::Kind::Grammar;
        r.output.gbnf = v.as_string();
      } else {
        if (!v.is_object() && !v.is_bool()) return wrong_type(key, "a JSON Schema object", v);
        r.output.kind = OutputFormat::Kind::JsonSchema;
        r.output.schema = v;
      }
    } else if ((key == "tools" || key == "tool_choice" || key == "parallel_tool_calls") && !chat) {
      return Fail(bad_field(key, "'" + key + "' belongs to /v1/chat/completions"));
    } else if (key == "tools") {
      if (!v.is_null()) r.tools = HEFT_TRY(parse_tools(v));
    } else if (key == "tool_choice") {
      if (v.is_string()) {
        const std::string& c = v.as_string();
        if (c == "auto") r.tool_choice = CompletionRequest::ToolChoice::Auto;
        else if (c == "none") r.tool_choice = CompletionRequest::ToolChoice::None;
        else if (c == "required") r.tool_choice = CompletionRequest::ToolChoice::Required;
        else return Fail(bad_field(key, "'tool_choice' must be \"none\", \"auto\", \"required\" or a function"));
      } else if (v.is_object()) {
        const Json* f = v.find("function");
        const Json* name = f && f->is_object() ? f->find("name") : nullptr;
        if (v.get_string("type") != "function" || !name || !name->is_string())
          return Fail(bad_field(key, "a named tool_choice is {\"type\": \"function\", \"function\": {\"name\": NAME}}"));
        r.tool_choice = CompletionRequest::ToolChoice::Named;
        r.tool_choice_name = name->as_string();
      } else if (!v.is_null()) {
        return wrong_type(key, "a string or an object", v);
      }
    } else if (key == "parallel_tool_calls") {
      if (!v.is_null()) r.parallel_tool_calls = HEFT_TRY(boolean(key, v));
    } else if (key == "functions" || key == "function_call") {
      return Fail(bad_field(key, "'" + key + "' is OpenAI's deprecated form; send 'tools' and 'tool_choice'"));
    } else {
      return Fail(bad_field(key, "unknown or unsupported field '" + key + "'"));
    }
  }
  if (chat && r.messages.is_null()) return Fail(bad_field("messages", "'messages' is required"));
  const bool has_tools = r.tools.is_array() && !r.tools.as_array().empty();
  if (!has_tools && (r.tool_choice == CompletionRequest::ToolChoice::Required || r.tool_choice == CompletionRequest::ToolChoice::Named))
    return Fail(bad_field("tool_choice", "'tool_choice' asks for a tool call but 'tools' lists none"));
  if (r.tool_choice == CompletionRequest::ToolChoice::Named) {
    bool found = false;
    for (const auto& t : r.tools.as_array()) found |= t.find("function")->get_string("name") == r.tool_choice_name;
    if (!found) return Fail(bad_field("tool_choice", "'tool_choice' names '" + r.tool_choice_name + "', which is not among 'tools'"));
  }
  if ((r.tool_choice == CompletionRequest::ToolChoice::Required || r.tool_choice == CompletionRequest::ToolChoice::Named) &&
      r.output.kind != OutputFormat::Kind::Text)
    return Fail(bad_field("tool_choice", "a required tool call and '" + r.output.field + "' cannot both shape the reply"));
  if (!chat && !r.prompt_text && r.prompt_ids.empty()) return Fail(bad_field("prompt", "'prompt' is required"));
  if (top_logprobs && !logprobs && chat)
    return Fail(bad_field("top_logprobs", "'top_logprobs' needs 'logprobs': true"));
  if (logprobs) r.top_logprobs = static_cast<int>(top_logprobs.value_or(0));
  if (r.include_usage && !r.stream)
    return Fail(bad_field("stream_options", "'stream_options' is only allowed with 'stream': true"));
  return r;
}

}  // namespace heft::serve
