// Loading chat templates and special-token texts from the places models keep them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "chat/template.h"
#include "chat/template_source.h"
#include "support/test_paths.h"

namespace heft::chat {
namespace {

using util::Json;

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(ChatTemplateSource, SharedLlama3Folder) {
  auto set = load_templates(test::shared("tokenizers/llama3"));
  ASSERT_TRUE(set) << set.error().to_string();
  ASSERT_EQ(set->names(), std::vector<std::string>{"default"});
  EXPECT_NE(set->find("default")->find("<|start_header_id|>"), std::string::npos);
  EXPECT_EQ(set->special_tokens.get_string("bos_token"), "<|begin_of_text|>");
  EXPECT_EQ(set->special_tokens.get_string("eos_token"), "<|eot_id|>");
}

TEST(ChatTemplateSource, NullTokensAreLeftOut) {
  // Qwen3's tokenizer_config has "bos_token": null: transformers passes no bos_token then.
  auto set = load_templates(test::shared("tokenizers/qwen3/tokenizer_config.json"));
  ASSERT_TRUE(set) << set.error().to_string();
  EXPECT_EQ(set->special_tokens.find("bos_token"), nullptr);
  EXPECT_EQ(set->special_tokens.get_string("eos_token"), "<|im_end|>");
  EXPECT_EQ(set->special_tokens.get_string("pad_token"), "<|endoftext|>");
}

TEST(ChatTemplateSource, GgufMetadata) {
  auto set = load_templates(test::shared("vocab/ggml-vocab-phi-3.gguf"));
  ASSERT_TRUE(set) << set.error().to_string();
  ASSERT_TRUE(set->find("default"));
  EXPECT_EQ(set->special_tokens.get_string("bos_token"), "<s>");
  EXPECT_EQ(set->special_tokens.get_string("eos_token"), "<|endoftext|>");
  EXPECT_EQ(set->special_tokens.get_string("unk_token"), "<unk>");
}

TEST(ChatTemplateSource, NoTemplateIsAnError) {
  auto set = load_templates(test::shared("tokenizers/gpt2"));
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message.find("no chat"), std::string::npos) << set.error().message;
  EXPECT_FALSE(load_templates(test::shared("vocab/ggml-vocab-gpt-2.gguf")));
  EXPECT_FALSE(load_templates("/nonexistent/model.gguf"));
}

TEST(ChatTemplateSource, NamedTemplateListAndAddedTokenObjects) {
  std::string dir = test::scratch_dir();
  write(dir + "/tokenizer_config.json", R"({
    "bos_token": {"content": "<B>", "lstrip": false, "__type": "AddedToken"},
    "eos_token": "<E>",
    "additional_special_tokens": ["<x>", {"content": "<y>"}],
    "chat_template": [{"name": "default", "template": "D{{ bos_token }}"},
                      {"name": "tool_use", "template": "T{{ tools|length }}"},
                      {"name": "rag", "template": "R"}]})");
  auto set = load_templates(dir);
  ASSERT_TRUE(set) << set.error().to_string();
  EXPECT_EQ(set->names(), (std::vector<std::string>{"default", "tool_use", "rag"}));
  EXPECT_EQ(set->special_tokens.get_string("bos_token"), "<B>");
  EXPECT_EQ(set->special_tokens.find("additional_special_tokens")->dump(), R"(["<x>","<y>"])");
  EXPECT_EQ(set->select("", false).value().first, "default");
  EXPECT_EQ(set->select("", true).value().first, "tool_use");  // transformers picks tool_use when tools are given
  EXPECT_EQ(set->select("rag", true).value().second, "R");
  auto missing = set->select("nope", false);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("default, tool_use, rag"), std::string::npos);
}

TEST(ChatTemplateSource, ChatTemplateJinjaFileWins) {
  std::string dir = test::scratch_dir();
  write(dir + "/tokenizer_config.json", R"({"eos_token": "</s>", "chat_template": "old"})");
  write(dir + "/chat_template.jinja", "new {{ eos_token }}");
  write(dir + "/additional_chat_templates/tool_use.jinja", "tools");
  auto set = load_templates(dir);
  ASSERT_TRUE(set) << set.error().to_string();
  EXPECT_EQ(*set->find("default"), "new {{ eos_token }}");
  EXPECT_EQ(*set->find("tool_use"), "tools");
  EXPECT_EQ(set->special_tokens.get_string("eos_token"), "</s>");
}

TEST(ChatTemplateSource, BadConfigsAreErrors) {
  std::string dir = test::scratch_dir();
  write(dir + "/a.json", R"({"chat_template": 5})");
  write(dir + "/b.json", R"({"chat_template": [{"name": "x"}]})");
  write(dir + "/c.json", "{not json");
  for (const char* f : {"/a.json", "/b.json", "/c.json"}) EXPECT_FALSE(load_templates(dir + f)) << f;
}

TEST(ChatTemplate, RenderPassesWhatTransformersPasses) {
  auto t = Template::parse(
      "{{ messages|length }}|{{ tools }}|{{ documents }}|{{ add_generation_prompt }}|{{ bos_token }}|{{ custom }}");
  ASSERT_TRUE(t);
  auto messages = Json::parse(R"([{"role": "user", "content": "hi"}])");
  auto extra = Json::parse(R"({"bos_token": "<s>", "custom": [1, 2.0]})");
  auto out = t->render(*messages, Json(), true, *extra);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, "1|None|None|True|<s>|[1, 2.0]");
}

TEST(ChatTemplate, ParseNow) {
  auto d = parse_now("2026-11-26");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->tm_wday, 4);    // Thursday
  EXPECT_EQ(d->tm_yday, 329);  // %j prints 330
  auto t = parse_now("2026-11-26T13:45:07");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->tm_hour, 13);
  EXPECT_EQ(t->tm_sec, 7);
  EXPECT_FALSE(parse_now("2026-02-30"));
  EXPECT_FALSE(parse_now("tomorrow"));
  EXPECT_FALSE(parse_now("2026-11-26junk"));
}

}  // namespace
}  // namespace heft::chat
