// Ollama requests as the OpenAI requests the completions path serves, and the
// answers back in Ollama's shapes (the whole path runs in reference_serve_ollama
// against Ollama's official client).
#include <gtest/gtest.h>

#include "serve/ollama_api.h"

namespace heft::serve {
namespace {

using util::Json;

Json parse(const char* text) { return *Json::parse(text, "test"); }

TEST(OllamaApi, ChatBecomesAChatCompletion) {
  OllamaRequest r;
  auto e = translate_ollama_request(parse(R"({"model": "phi3:latest", "messages": [{"role": "user", "content": "hi"},
      {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
      {"role": "tool", "content": "2", "tool_name": "f"}],
      "options": {"temperature": 0.5, "num_predict": 7, "seed": 3, "stop": ["x"], "num_ctx": 4096}, "format": "json", "think": false})"),
                                    true, r);
  ASSERT_FALSE(e) << e->message;
  EXPECT_TRUE(r.chat);
  EXPECT_TRUE(r.stream);  // Ollama streams unless told not to
  EXPECT_EQ(r.model, "phi3:latest");
  const Json& o = r.openai;
  EXPECT_EQ(o.get_string("model"), "phi3");
  EXPECT_EQ(o.get_double("temperature", 0), 0.5);
  EXPECT_EQ(o.get_int("max_tokens", 0), 7);
  EXPECT_EQ(o.get_int("seed", 0), 3);
  EXPECT_EQ(o.find("response_format")->get_string("type"), "json_object");
  EXPECT_FALSE(o.find("chat_template_kwargs")->get_bool("enable_thinking", true));
  EXPECT_TRUE(o.find("stream_options")->get_bool("include_usage", false));
  const auto& msgs = o.find("messages")->as_array();
  ASSERT_EQ(msgs.size(), 3u);
  const Json& call = msgs[1].find("tool_calls")->as_array()[0];
  EXPECT_EQ(call.find("function")->get_string("arguments"), R"({"a":1})");  // OpenAI's arguments are a string
  EXPECT_EQ(msgs[2].get_string("name"), "f");
  EXPECT_EQ(r.ignored, std::vector<std::string>{"options.num_ctx"});
}

TEST(OllamaApi, GenerateUsesTheTemplateUnlessRaw) {
  OllamaRequest r;
  ASSERT_FALSE(translate_ollama_request(parse(R"({"model": "m", "prompt": "p", "system": "s", "stream": false})"), false, r));
  EXPECT_TRUE(r.chat);
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(r.openai.find("messages")->as_array().size(), 2u);
  OllamaRequest raw;
  ASSERT_FALSE(translate_ollama_request(parse(R"({"model": "m", "prompt": "p", "raw": true, "format": {"type": "object"}})"), false, raw));
  EXPECT_FALSE(raw.chat);
  EXPECT_EQ(raw.openai.get_string("prompt"), "p");
  EXPECT_EQ(raw.openai.find("response_format")->get_string("type"), "json_schema");
}

TEST(OllamaApi, WhatHeftCannotHonourIsRefusedWithTheField) {
  for (const char* body : {R"({"options": {"mirostat": 1}})", R"({"options": {"typical_p": 0.5}})", R"({"options": {"repeat_last_n": 128}})",
                           R"({"options": {"warp": 1}})", R"({"stream": "yes"})", R"({"format": 3})", R"({"options": []})",
                           R"({"messages": [{"role": "user", "content": "x", "images": ["aGk="]}]})", R"({"unknown": 1})",
                           R"({"messages": {}})", R"([])"}) {
    OllamaRequest r;
    auto e = translate_ollama_request(parse(body), true, r);
    ASSERT_TRUE(e) << body;
    EXPECT_EQ(e->status, 400) << body;
  }
  OllamaRequest g;
  EXPECT_TRUE(translate_ollama_request(parse(R"({"prompt": "x", "suffix": "y"})"), false, g));
  EXPECT_TRUE(translate_ollama_request(parse(R"({"prompt": "x", "images": ["aGk="]})"), false, g));
  EXPECT_FALSE(translate_ollama_request(parse(R"({"prompt": "x", "images": [], "context": null})"), false, g));
}

// Records what the Ollama writer sends on.
struct Capture : ResponseWriter {
  int status = 0;
  std::string type, body;
  bool streaming = false, ended = false;
  void send(int s, std::string_view t, std::string b, const Headers&) override { status = s, type = t, body = std::move(b); }
  bool start_stream(int s, std::string_view t, const Headers&) override { status = s, type = t, streaming = true; return true; }
  bool write(std::string_view p) override { body.append(p); return true; }
  void end_stream() override { ended = true; }
  bool client_gone() override { return false; }
  bool sent() const override { return status != 0; }
};

TEST(OllamaApi, AnswersAndStreamsInOllamasShapes) {
  OllamaRequest req;
  req.model = "m:latest";
  Capture c;
  OllamaWriter w(c, req);
  w.send(200, "application/json", R"({"choices": [{"message": {"role": "assistant", "content": "hi", "tool_calls": [{"type": "function",
      "function": {"name": "f", "arguments": "{\"a\":1}"}}]}, "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 5, "completion_tokens": 2}})");
  auto j = Json::parse(c.body, "answer");
  ASSERT_TRUE(j) << c.body;
  EXPECT_EQ(j->get_string("model"), "m:latest");
  EXPECT_EQ(j->find("message")->get_string("content"), "hi");
  EXPECT_EQ(j->find("message")->find("tool_calls")->as_array()[0].find("function")->find("arguments")->get_int("a", 0), 1);
  EXPECT_EQ(j->get_string("done_reason"), "stop");
  EXPECT_EQ(j->get_int("prompt_eval_count", 0), 5);
  EXPECT_EQ(j->get_int("eval_count", 0), 2);

  Capture s;
  OllamaWriter sw(s, req);
  ASSERT_TRUE(sw.start_stream(200, "text/event-stream"));
  EXPECT_EQ(s.type, "application/x-ndjson");
  sw.write("data: {\"choices\": [{\"delta\": {\"content\": \"a\"}, \"finish_reason\": null}]}\n\ndata: {\"choices\": [{\"delta\": {\"con");
  sw.write("tent\": \"b\"}, \"finish_reason\": \"length\"}]}\n\n: warning: x\n\n");
  sw.write("data: {\"choices\": [], \"usage\": {\"prompt_tokens\": 3, \"completion_tokens\": 2}}\n\ndata: [DONE]\n\n");
  sw.end_stream();
  EXPECT_TRUE(s.ended);
  std::vector<Json> lines;
  size_t start = 0;
  for (size_t nl; (nl = s.body.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(*Json::parse(s.body.substr(start, nl - start), "line"));
  ASSERT_EQ(lines.size(), 3u) << s.body;
  EXPECT_EQ(lines[0].find("message")->get_string("content"), "a");
  EXPECT_FALSE(lines[0].get_bool("done", true));
  EXPECT_EQ(lines[1].find("message")->get_string("content"), "b");
  EXPECT_TRUE(lines[2].get_bool("done", false));
  EXPECT_EQ(lines[2].get_string("done_reason"), "length");
  EXPECT_EQ(lines[2].get_int("eval_count", 0), 2);

  Capture e;
  OllamaWriter ew(e, req);
  ew.send(404, "application/json", R"({"error": {"message": "no such model", "type": "invalid_request_error"}})");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.body, R"({"error":"no such model"})");
}

}  // namespace
}  // namespace heft::serve
