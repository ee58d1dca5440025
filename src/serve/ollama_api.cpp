#include "serve/ollama_api.h"

#include <ctime>
#include <set>

#include <fmt/format.h>

namespace heft::serve {

using util::Json;

namespace {

// Sampling options heft honours, by Ollama's name → the OpenAI request's.
const std::pair<const char*, const char*> kSampling[] = {
    {"temperature", "temperature"}, {"top_k", "top_k"}, {"top_p", "top_p"}, {"min_p", "min_p"}, {"seed", "seed"},
    {"repeat_penalty", "repeat_penalty"}, {"presence_penalty", "presence_penalty"}, {"frequency_penalty", "frequency_penalty"},
};
// How the server runs, fixed when it starts (heft serve's flags): accepted, reported as not applied.
const std::set<std::string> kRuntime = {"num_ctx", "num_batch", "num_gpu", "main_gpu", "use_mmap", "use_mlock", "num_thread",
                                        "numa", "low_vram", "f16_kv", "vocab_only", "num_keep", "penalize_newline"};

ApiError field_error(const std::string& field, const std::string& message) { return ApiError{400, message, field}; }

int64_t ns_since(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

// Ollama's history tool calls ({function: {name, arguments: {...}}}) as OpenAI's.
Json openai_tool_calls(const Json& calls) {
  Json out = Json::array();
  int i = 0;
  for (const auto& c : calls.as_array()) {
    const Json* f = c.find("function");
    Json fn = Json::object();
    fn.set("name", Json(f ? f->get_string("name") : ""));
    const Json* args = f ? f->find("arguments") : nullptr;
    fn.set("arguments", Json(args ? (args->is_string() ? args->as_string() : args->dump()) : "{}"));
    Json call = Json::object();
    call.set("id", Json(fmt::format("call_{}", i++)));
    call.set("type", Json("function"));
    call.set("function", std::move(fn));
    out.push_back(std::move(call));
  }
  return out;
}

// OpenAI's tool calls (arguments a JSON string) as Ollama's (arguments an object).
Json ollama_tool_calls(const Json& calls) {
  Json out = Json::array();
  for (const auto& c : calls.as_array()) {
    const Json* f = c.find("function");
    if (!f) continue;
    Json fn = Json::object();
    fn.set("name", Json(f->get_string("name")));
    auto args = Json::parse(f->get_string("arguments", "{}"), "arguments");
    fn.set("arguments", args && args->is_object() ? *args : Json::object());
    Json call = Json::object();
    call.set("function", std::move(fn));
    out.push_back(std::move(call));
  }
  return out;
}

std::string error_message(std::string_view body) {
  auto j = Json::parse(body, "error");
  if (j && j->is_object())
    if (const Json* e = j->find("error"); e && e->is_object()) return e->get_string("message");
  return std::string(body);
}

}  // namespace

std::string ollama_error_body(const std::string& message) {
  Json o = Json::object();
  o.set("error", Json(message));
  return o.dump();
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() % 1000000000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ns);
}

std::optional<ApiError> translate_ollama_request(const Json& body, bool chat, OllamaRequest& out) {
  if (!body.is_object()) return ApiError{400, "the request body must be a JSON object"};
  out.chat = chat;
  Json o = Json::object();
  for (const auto& [key, value] : body.as_object()) {
    if (key == "model") {
      if (!value.is_string()) return field_error("model", "'model' must be a string");
      out.model = value.as_string();
    } else if (key == "stream") {
      if (!value.is_bool()) return field_error("stream", "'stream' must be true or false");
      out.stream = value.as_bool();
    } else if (key == "keep_alive") {
      out.ignored.push_back("keep_alive");  // one model, always loaded
    } else if (key == "format") {
      if (value.is_null() || (value.is_string() && value.as_string().empty())) continue;
      Json rf = Json::object();
      if (value.is_string() && value.as_string() == "json") {
        rf.set("type", Json("json_object"));
      } else if (value.is_object()) {
        Json js = Json::object();
        js.set("name", Json("format"));
        js.set("schema", value);
        js.set("strict", Json(true));
        rf.set("type", Json("json_schema"));
        rf.set("json_schema", std::move(js));
      } else {
        return field_error("format", "'format' must be \"json\" or a JSON Schema object");
      }
      o.set("response_format", std::move(rf));
    } else if (key == "options") {
      if (value.is_null()) continue;
      if (!value.is_object()) return field_error("options", "'options' must be an object");
      for (const auto& [name, v] : value.as_object()) {
        bool known = false;
        for (const auto& [ollama, openai] : kSampling)
          if (name == ollama) o.set(openai, v), known = true;
        if (known) continue;
        if (name == "num_predict") {
          if (!v.is_integer()) return field_error("options.num_predict", "'num_predict' must be an integer");
          if (v.as_int() >= 0) o.set("max_tokens", v);  // -1: until the end, -2: until the context is full
        } else if (name == "stop") {
          o.set("stop", v);
        } else if (name == "repeat_last_n") {
          if (!v.is_integer() || (v.as_int() != 64 && v.as_int() != -1 && v.as_int() != 0))
            return field_error("options.repeat_last_n", "heft's repeat penalty looks at the last 64 tokens; other windows are not supported");
        } else if (name == "typical_p" || name == "tfs_z") {
          if (!v.is_number() || v.as_double() != 1.0)
            return field_error("options." + name, "'" + name + "' sampling is not supported (only 1.0, off)");
        } else if (name == "mirostat") {
          if (!v.is_integer() || v.as_int() != 0) return field_error("options.mirostat", "mirostat sampling is not supported (only 0, off)");
        } else if (name == "mirostat_tau" || name == "mirostat_eta") {
          // Read only with mirostat on, which is refused above.
        } else if (kRuntime.count(name)) {
          out.ignored.push_back("options." + name);
        } else {
          return field_error("options." + name, "unknown option '" + name + "'");
        }
      }
    } else if (key == "think") {
      Json kw = Json::object();
      if (value.is_bool()) kw.set("enable_thinking", value);
      else if (value.is_string()) kw.set("reasoning_effort", value);
      else return field_error("think", "'think' must be true, false, \"low\", \"medium\" or \"high\"");
      o.set("chat_template_kwargs", std::move(kw));
    } else if (key == "tools" && chat) {
      o.set("tools", value);
    } else if (key == "messages" && chat) {
      if (!value.is_array()) return field_error("messages", "'messages' must be an array");
      Json msgs = Json::array();
      for (const auto& m : value.as_array()) {
        if (!m.is_object()) return field_error("messages", "each message must be an object");
        Json msg = Json::object();
        for (const auto& [mk, mv] : m.as_object()) {
          if (mk == "images") {
            if (mv.is_array() && !mv.as_array().empty()) return field_error("messages", "images are not supported: heft runs text models");
          } else if (mk == "tool_calls") {
            if (!mv.is_array()) return field_error("messages", "'tool_calls' must be an array");
            msg.set("tool_calls", openai_tool_calls(mv));
          } else if (mk == "thinking") {
            msg.set("reasoning_content", mv);
          } else if (mk == "tool_name") {
            msg.set("name", mv);
          } else {
            msg.set(mk, mv);
          }
        }
        msgs.push_back(std::move(msg));
      }
      o.set("messages", std::move(msgs));
    } else if (!chat && (key == "prompt" || key == "system" || key == "raw")) {
      // Assembled below.
    } else if (!chat && (key == "suffix" || key == "images" || key == "template" || key == "context")) {
      const bool empty = value.is_null() || (value.is_string() && value.as_string().empty()) ||
                         (value.is_array() && value.as_array().empty());
      if (!empty) return field_error(key, "'" + key + "' is not supported by heft's /api/generate");
    } else {
      return field_error(key, "unknown field '" + key + "'");
    }
  }
  if (!chat) {
    const std::string prompt = body.get_string("prompt");
    const std::string system = body.get_string("system");
    if (body.get_bool("raw", false)) {
      o.set("prompt", Json(prompt));
      out.chat = false;
    } else {
      // Ollama applies the model's template to a system and a user message.
      Json msgs = Json::array();
      if (!system.empty()) {
        Json s = Json::object();
        s.set("role", Json("system"));
        s.set("content", Json(system));
        msgs.push_back(std::move(s));
      }
      Json u = Json::object();
      u.set("role", Json("user"));
      u.set("content", Json(prompt));
      msgs.push_back(std::move(u));
      o.set("messages", std::move(msgs));
      out.chat = true;
    }
  }
  // "name:latest" is the model itself.
  std::string model = out.model;
  if (model.ends_with(":latest")) model.resize(model.size() - 7);
  o.set("model", Json(model));
  o.set("stream", Json(out.stream));
  if (out.stream) {
    Json so = Json::object();
    so.set("include_usage", Json(true));
    o.set("stream_options", std::move(so));
  }
  out.openai = std::move(o);
  return std::nullopt;
}

OllamaWriter::OllamaWriter(ResponseWriter& inner, const OllamaRequest& req) : inner_(inner), req_(req) {}

Json OllamaWriter::base() const {
  Json o = Json::object();
  o.set("model", Json(req_.model));
  o.set("created_at", Json(rfc3339_now()));
  return o;
}

Json OllamaWriter::final_fields(Json o, const std::string& done_reason, const Json* usage) const {
  const auto now = std::chrono::steady_clock::now();
  const auto first = first_token_.value_or(now);
  o.set("done", Json(true));
  o.set("done_reason", Json(done_reason == "length" ? "length" : "stop"));  // Ollama says "stop" for tool calls too
  o.set("total_duration", Json(ns_since(start_, now)));
  o.set("load_duration", Json(int64_t{0}));
  o.set("prompt_eval_count", Json(usage ? usage->get_int("prompt_tokens", 0) : 0));
  o.set("prompt_eval_duration", Json(ns_since(start_, first)));
  o.set("eval_count", Json(usage ? usage->get_int("completion_tokens", 0) : 0));
  o.set("eval_duration", Json(ns_since(first, now)));
  return o;
}

void OllamaWriter::send(int status, std::string_view content_type, std::string body, const Headers& extra) {
  Headers headers = extra;
  if (!req_.ignored.empty()) {
    std::string list;
    for (const auto& s : req_.ignored) list.append(list.empty() ? "" : ", ").append(s);
    headers.emplace_back("X-Heft-Warning", "not applied per request (set when heft serve starts): " + list);
  }
  if (status != 200) {
    if (status == 499) return inner_.send(status, content_type, std::move(body), headers);
    return inner_.send(status, "application/json", ollama_error_body(error_message(body)), headers);
  }
  auto j = Json::parse(body, "response");
  const Json* choices = j ? j->find("choices") : nullptr;
  if (!choices || !choices->is_array() || choices->as_array().empty())
    return inner_.send(500, "application/json", ollama_error_body("the completion had no choice"), headers);
  const Json& c = choices->as_array()[0];
  Json o = base();
  if (req_.chat) {
    const Json* m = c.find("message");
    Json msg = Json::object();
    msg.set("role", Json("assistant"));
    const Json* content = m ? m->find("content") : nullptr;
    msg.set("content", Json(content && content->is_string() ? content->as_string() : ""));
    if (m)
      if (const Json* r = m->find("reasoning_content"); r && r->is_string()) msg.set("thinking", *r);
    if (m)
      if (const Json* t = m->find("tool_calls"); t && t->is_array()) msg.set("tool_calls", ollama_tool_calls(*t));
    o.set("message", std::move(msg));
  } else {
    o.set("response", Json(c.get_string("text")));
  }
  first_token_ = start_;  // unstreamed: no first-token time to tell prompt from generation
  o = final_fields(std::move(o), c.get_string("finish_reason"), j->find("usage"));
  inner_.send(200, "application/json", o.dump(), headers);
}

bool OllamaWriter::start_stream(int status, std::string_view, const Headers& extra) {
  Headers headers = extra;
  if (!req_.ignored.empty()) {
    std::string list;
    for (const auto& s : req_.ignored) list.append(list.empty() ? "" : ", ").append(s);
    headers.emplace_back("X-Heft-Warning", "not applied per request (set when heft serve starts): " + list);
  }
  return ok_ = inner_.start_stream(status, "application/x-ndjson", headers);
}

bool OllamaWriter::write(std::string_view piece) {
  pending_.append(piece);
  size_t pos;
  while ((pos = pending_.find("\n\n")) != std::string::npos) {
    const std::string ev = pending_.substr(0, pos);
    pending_.erase(0, pos + 2);
    if (!ev.starts_with("data: ")) continue;  // comments (": warning …")
    const std::string_view data = std::string_view(ev).substr(6);
    if (data == "[DONE]") continue;  // the last message is written by end_stream
    auto j = Json::parse(data, "chunk");
    if (j && !event(*j)) return ok_ = false;
  }
  return ok_;
}

bool OllamaWriter::event(const Json& chunk) {
  if (const Json* e = chunk.find("error")) {
    const std::string msg = e->is_object() ? e->get_string("message") : e->is_string() ? e->as_string() : "error";
    return inner_.write(ollama_error_body(msg) + "\n");
  }
  if (const Json* u = chunk.find("usage"); u && u->is_object()) usage_ = *u;
  const Json* choices = chunk.find("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty()) return true;
  const Json& c = choices->as_array()[0];
  if (const Json* f = c.find("finish_reason"); f && f->is_string()) done_reason_ = f->as_string();
  std::string content, thinking;
  if (req_.chat) {
    const Json* d = c.find("delta");
    if (!d) return true;
    content = d->get_string("content");
    thinking = d->get_string("reasoning_content");
    if (const Json* t = d->find("tool_calls"); t && t->is_array()) {
      for (const auto& tc : t->as_array()) {  // assembled here, sent whole as Ollama does
        const auto i = static_cast<size_t>(tc.get_int("index", 0));
        while (tool_args_.size() <= i) tool_args_.emplace_back(), tool_names_.emplace_back();
        if (const Json* f = tc.find("function")) {
          if (!f->get_string("name").empty()) tool_names_[i] = f->get_string("name");
          tool_args_[i] += f->get_string("arguments");
        }
      }
    }
  } else {
    content = c.get_string("text");
  }
  if (content.empty() && thinking.empty()) return true;
  if (!first_token_) first_token_ = std::chrono::steady_clock::now();
  Json o = base();
  if (req_.chat) {
    Json msg = Json::object();
    msg.set("role", Json("assistant"));
    msg.set("content", Json(content));
    if (!thinking.empty()) msg.set("thinking", Json(thinking));
    o.set("message", std::move(msg));
  } else {
    o.set("response", Json(content));
  }
  o.set("done", Json(false));
  return inner_.write(o.dump() + "\n");
}

void OllamaWriter::end_stream() {
  if (ok_) {
    Json o = base();
    if (req_.chat) {
      Json msg = Json::object();
      msg.set("role", Json("assistant"));
      msg.set("content", Json(""));
      if (!tool_names_.empty()) {
        Json calls = Json::array();
        for (size_t i = 0; i < tool_names_.size(); ++i) {
          Json fn = Json::object();
          fn.set("name", Json(tool_names_[i]));
          auto args = Json::parse(tool_args_[i].empty() ? "{}" : tool_args_[i], "arguments");
          fn.set("arguments", args && args->is_object() ? *args : Json::object());
          Json call = Json::object();
          call.set("function", std::move(fn));
          calls.push_back(std::move(call));
        }
        msg.set("tool_calls", std::move(calls));
      }
      o.set("message", std::move(msg));
    } else {
      o.set("response", Json(""));
    }
    o = final_fields(std::move(o), done_reason_, usage_.is_object() ? &usage_ : nullptr);
    inner_.write(o.dump() + "\n");
  }
  inner_.end_stream();
}

}  // namespace heft::serve
