#include "serve/completion_request.h"

#include <fmt/format.h>

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
      // Plain text is what every request gets; constrained output (JSON, schemas) is not built yet.
      if (!v.is_object() || v.get_string("type") != "text")
        return Fail(bad_field(key, "only response_format {\"type\": \"text\"} is supported"));
    } else if (key == "tools" || key == "tool_choice" || key == "functions" || key == "function_call" ||
               key == "parallel_tool_calls") {
      return Fail(bad_field(key, "'" + key + "' is not supported yet: tool calls need constrained decoding"));
    } else {
      return Fail(bad_field(key, "unknown or unsupported field '" + key + "'"));
    }
  }
  if (chat && r.messages.is_null()) return Fail(bad_field("messages", "'messages' is required"));
  if (!chat && !r.prompt_text && r.prompt_ids.empty()) return Fail(bad_field("prompt", "'prompt' is required"));
  if (top_logprobs && !logprobs && chat)
    return Fail(bad_field("top_logprobs", "'top_logprobs' needs 'logprobs': true"));
  if (logprobs) r.top_logprobs = static_cast<int>(top_logprobs.value_or(0));
  if (r.include_usage && !r.stream)
    return Fail(bad_field("stream_options", "'stream_options' is only allowed with 'stream': true"));
  return r;
}

}  // namespace heft::serve
