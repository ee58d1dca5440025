// Request checks of /v1/completions and /v1/chat/completions: every invalid
// field is a 400 that names it; unknown and not-yet-supported fields are refused.
#include <gtest/gtest.h>

#include "serve/completion_request.h"

namespace heft::serve {
namespace {

util::Json parse(const std::string& text) {
  auto j = util::Json::parse(text);
  EXPECT_TRUE(j.has_value()) << text;
  return j ? *j : util::Json();
}

std::expected<CompletionRequest, ApiError> completion(const std::string& body) {
  return parse_completion_request(parse(body), Endpoint::Completions);
}
std::expected<CompletionRequest, ApiError> chat(const std::string& body) {
  return parse_completion_request(parse(body), Endpoint::ChatCompletions);
}

void expect_bad(const std::expected<CompletionRequest, ApiError>& r, const std::string& param, int status = 400) {
  ASSERT_FALSE(r.has_value()) << "accepted; expected an error for " << param;
  EXPECT_EQ(r.error().status, status);
  EXPECT_EQ(r.error().param, param) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

TEST(CompletionRequest, ReadsEveryField) {
  auto r = completion(R"({"model":"m","prompt":"hi","max_tokens":5,"temperature":0.5,"top_p":0.9,"min_p":0.1,
    "top_k":7,"repeat_penalty":1.1,"presence_penalty":0.5,"frequency_penalty":-0.5,"seed":42,"stop":["a","b"],
    "n":2,"logit_bias":{"13":-100,"7":2.5},"logprobs":3,"stream":true,"stream_options":{"include_usage":true},
    "user":"u1"})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model, "m");
  EXPECT_EQ(*r->prompt_text, "hi");
  EXPECT_EQ(*r->max_tokens, 5);
  EXPECT_FLOAT_EQ(*r->sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(*r->sampling.top_p, 0.9f);
  EXPECT_FLOAT_EQ(*r->sampling.min_p, 0.1f);
  EXPECT_EQ(*r->sampling.top_k, 7);
  EXPECT_FLOAT_EQ(*r->sampling.repeat_penalty, 1.1f);
  EXPECT_FLOAT_EQ(r->sampling.presence_penalty, 0.5f);
  EXPECT_FLOAT_EQ(r->sampling.frequency_penalty, -0.5f);
  EXPECT_EQ(*r->sampling.seed, 42u);
  EXPECT_EQ(r->stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r->n, 2);
  ASSERT_EQ(r->sampling.logit_bias.size(), 2u);
  EXPECT_EQ(r->sampling.logit_bias[0], (std::pair<int32_t, float>{13, -100.0f}));
  EXPECT_EQ(r->top_logprobs, 3);
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->user, "u1");
}

TEST(CompletionRequest, NullMeansNotGiven) {
  auto r = completion(R"({"prompt":"x","temperature":null,"stop":null,"stream_options":null})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->sampling.temperature.has_value());
  EXPECT_TRUE(r->stop.empty());
}

TEST(CompletionRequest, TokenIdPrompt) {
  auto r = completion(R"({"prompt":[1, 2, 3]})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->prompt_ids, (std::vector<int32_t>{1, 2, 3}));
  expect_bad(completion(R"({"prompt":[1, -2]})"), "prompt");
  expect_bad(completion(R"({"prompt":["a", "b"]})"), "prompt");
  expect_bad(completion(R"({"prompt":{}})"), "prompt");
}

TEST(CompletionRequest, EachBadFieldIsNamed) {
  expect_bad(completion(R"({"prompt":"x","temperature":-1})"), "temperature");
  expect_bad(completion(R"({"prompt":"x","temperature":"hot"})"), "temperature");
  expect_bad(completion(R"({"prompt":"x","top_p":0})"), "top_p");
  expect_bad(completion(R"({"prompt":"x","top_p":1.5})"), "top_p");
  expect_bad(completion(R"({"prompt":"x","min_p":2})"), "min_p");
  expect_bad(completion(R"({"prompt":"x","top_k":-1})"), "top_k");
  expect_bad(completion(R"({"prompt":"x","top_k":1.5})"), "top_k");
  expect_bad(completion(R"({"prompt":"x","repeat_penalty":0})"), "repeat_penalty");
  expect_bad(completion(R"({"prompt":"x","presence_penalty":2.5})"), "presence_penalty");
  expect_bad(completion(R"({"prompt":"x","frequency_penalty":-3})"), "frequency_penalty");
  expect_bad(completion(R"({"prompt":"x","max_tokens":-1})"), "max_tokens");
  expect_bad(completion(R"({"prompt":"x","n":0})"), "n");
  expect_bad(completion(R"({"prompt":"x","n":17})"), "n");
  expect_bad(completion(R"({"prompt":"x","stop":[1]})"), "stop");
  expect_bad(completion(R"({"prompt":"x","stop":""})"), "stop");
  expect_bad(completion(R"({"prompt":"x","logit_bias":{"abc":1}})"), "logit_bias");
  expect_bad(completion(R"({"prompt":"x","logit_bias":{"5":101}})"), "logit_bias");
  expect_bad(completion(R"({"prompt":"x","logprobs":21})"), "logprobs");
  expect_bad(completion(R"({"prompt":"x","stream":"yes"})"), "stream");
  expect_bad(completion(R"({"prompt":"x","stream_options":{"include_usage":true}})"), "stream_options");
  expect_bad(completion(R"({"prompt":"x","stream":true,"stream_options":{"other":1}})"), "stream_options.other");
  expect_bad(completion(R"({"prompt":"x","model":5})"), "model");
  expect_bad(completion(R"({"prompt":"x","seed":"s"})"), "seed");
  expect_bad(completion(R"({"max_tokens":3})"), "prompt");
}

TEST(CompletionRequest, UnknownAndUnsupportedFieldsAreRefused) {
  expect_bad(completion(R"({"prompt":"x","best_of":2})"), "best_of");
  expect_bad(completion(R"({"prompt":"x","echo":true})"), "echo");
  expect_bad(completion(R"({"prompt":"x","messages":[]})"), "messages");  // a chat field on completions
  expect_bad(chat(R"({"messages":[{"role":"user","content":"x"}],"prompt":"x"})"), "prompt");
  expect_bad(chat(R"({"messages":[{"role":"user","content":"x"}],"functions":[]})"), "functions");
  EXPECT_TRUE(chat(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"text"}})").has_value());
}

TEST(CompletionRequest, OutputFormatsAndTools) {
  const std::string m = R"("messages":[{"role":"user","content":"x"}])";
  auto r = chat("{" + m + R"(,"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"integer"},"strict":false}}})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->output.kind, OutputFormat::Kind::JsonSchema);
  EXPECT_FALSE(r->output.strict);
  EXPECT_EQ(r->output.schema.get_string("type"), "integer");
  r = chat("{" + m + R"(,"response_format":{"type":"json_object"}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->output.kind, OutputFormat::Kind::JsonObject);
  auto c = completion(R"({"prompt":"x","grammar":"root ::= [a]"})");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->output.kind, OutputFormat::Kind::Grammar);
  expect_bad(chat("{" + m + R"(,"response_format":{"type":"yaml"}})"), "response_format.type");
  expect_bad(chat("{" + m + R"(,"response_format":{"type":"json_schema"}})"), "response_format.json_schema");
  expect_bad(chat("{" + m + R"(,"response_format":{"type":"json_schema","json_schema":{"schema":{},"strict":1}}})"),
             "response_format.json_schema.strict");
  expect_bad(chat("{" + m + R"(,"response_format":{"type":"json_object"},"grammar":"root ::= [a]"})"), "grammar");

  // vLLM's fields: guided_json is a schema, guided_choice one of the strings; guided_regex is refused by name.
  c = completion(R"({"prompt":"x","guided_json":{"type":"integer"}})");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->output.kind, OutputFormat::Kind::JsonSchema);
  c = completion(R"({"prompt":"x","guided_choice":["yes","no \"maybe\""]})");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->output.kind, OutputFormat::Kind::Grammar);
  EXPECT_EQ(c->output.gbnf, "root ::= \"yes\" | \"no \\\"maybe\\\"\"\n");
  expect_bad(completion(R"({"prompt":"x","guided_regex":"a+"})"), "guided_regex");
  expect_bad(completion(R"({"prompt":"x","guided_choice":[]})"), "guided_choice");

  const std::string tool = R"({"type":"function","function":{"name":"get_time","parameters":{"type":"object"}}})";
  r = chat("{" + m + R"(,"tools":[)" + tool + R"(],"tool_choice":{"type":"function","function":{"name":"get_time"}},"parallel_tool_calls":false})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->tool_choice, CompletionRequest::ToolChoice::Named);
  EXPECT_EQ(r->tool_choice_name, "get_time");
  EXPECT_FALSE(r->parallel_tool_calls);
  expect_bad(chat("{" + m + R"(,"tools":[)" + tool + R"(],"tool_choice":{"type":"function","function":{"name":"other"}}})"), "tool_choice");
  expect_bad(chat("{" + m + R"(,"tool_choice":"required"})"), "tool_choice");
  expect_bad(chat("{" + m + R"(,"tools":[)" + tool + R"(],"tool_choice":"sometimes"})"), "tool_choice");
  expect_bad(chat("{" + m + R"(,"tools":[)" + tool + "," + tool + "]}"), "tools[1].function.name");
  expect_bad(chat("{" + m + R"(,"tools":[{"type":"function","function":{"name":"a b"}}]})"), "tools[0].function.name");
  expect_bad(chat("{" + m + R"(,"tools":[{"type":"retrieval"}]})"), "tools[0].type");
  expect_bad(chat("{" + m + R"(,"tools":[)" + tool + R"(],"tool_choice":"required","response_format":{"type":"json_object"}})"), "tool_choice");
  expect_bad(completion(R"({"prompt":"x","tools":[)" + tool + "]}"), "tools");
}

TEST(CompletionRequest, ChatMessages) {
  auto r = chat(R"({"messages":[{"role":"system","content":"be brief"},
    {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
    {"role":"assistant","content":null,"tool_calls":[]}],
    "max_completion_tokens":9,"logprobs":true,"top_logprobs":2,"chat_template_kwargs":{"enable_thinking":false}})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->messages.size(), 3u);
  EXPECT_EQ(r->messages.as_array()[1].get_string("content"), "a\nb");  // text parts joined
  EXPECT_TRUE(r->messages.as_array()[2].find("content")->is_null());
  EXPECT_EQ(*r->max_tokens, 9);
  EXPECT_EQ(r->top_logprobs, 2);
  EXPECT_FALSE(r->chat_template_kwargs.get_bool("enable_thinking", true));

  expect_bad(chat(R"({})"), "messages");
  expect_bad(chat(R"({"messages":[]})"), "messages");
  expect_bad(chat(R"({"messages":"hi"})"), "messages");
  expect_bad(chat(R"({"messages":[{"content":"x"}]})"), "messages[0].role");
  expect_bad(chat(R"({"messages":[{"role":"wizard","content":"x"}]})"), "messages[0].role");
  expect_bad(chat(R"({"messages":[{"role":"user"}]})"), "messages[0].content");
  expect_bad(chat(R"({"messages":[{"role":"user","content":"x","mood":1}]})"), "messages[0].mood");
  expect_bad(chat(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})"),
             "messages[0].content[0].type");
  expect_bad(chat(R"({"messages":[{"role":"user","content":[{"type":"text"}]}]})"), "messages[0].content[0].text");
  expect_bad(chat(R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":2})"), "top_logprobs");
  expect_bad(chat(R"({"messages":[{"role":"user","content":"x"}],"logprobs":3})"), "logprobs");
}

TEST(CompletionRequest, ImagePartsSayNotSupportedByThisModel) {
  auto r = chat(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("not supported by this model"), std::string::npos) << r.error().message;
}

TEST(CompletionRequest, ErrorBodyHasOpenAIsShape) {
  ApiError e = bad_field("temperature", "too hot");
  auto j = util::Json::parse(e.body());
  ASSERT_TRUE(j.has_value());
  const util::Json* err = j->find("error");
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->get_string("message"), "too hot");
  EXPECT_EQ(err->get_string("type"), "invalid_request_error");
  EXPECT_EQ(err->get_string("param"), "temperature");
  EXPECT_TRUE(err->find("code")->is_null());
}

}  // namespace
}  // namespace heft::serve
