// `heft template` end to end: exact output, the variables it passes, errors.
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_paths.h"

namespace heft::test {
namespace {

struct Files {
  std::string dir = scratch_dir();
  std::string put(const std::string& name, const std::string& text) {
    std::string p = dir + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

CommandResult heft(const std::string& args, const std::string& stdin_text = {}) {
  return run_command(shell_quote(heft_binary()) + " template " + args, stdin_text);
}

TEST(TemplateCli, PrintsExactlyTheRenderedPrompt) {
  Files f;
  std::string tmpl = f.put("t.jinja", "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}"
                                      "{% if add_generation_prompt %}<assistant>{% endif %}\n");
  std::string msgs = f.put("m.json", R"([{"role": "user", "content": "hé  "}])");
  auto r = heft("--template " + shell_quote(tmpl) + " --messages " + shell_quote(msgs));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "<user>hé  \n<assistant>");  // the template's final newline is dropped, none added
  r = heft("--template " + shell_quote(tmpl) + " --messages " + shell_quote(msgs) + " --no-generation-prompt");
  EXPECT_EQ(r.out, "<user>hé  \n");
}

TEST(TemplateCli, ModelSuppliesTemplateAndSpecialTokens) {
  Files f;
  std::string msgs = f.put("m.json", R"([{"role": "user", "content": "Hi"}])");
  auto r = heft(shell_quote(shared("tokenizers/llama3")) + " --messages " + shell_quote(msgs));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                   "<|start_header_id|>assistant<|end_header_id|>\n\n");
  auto g = heft(shell_quote(shared("vocab/ggml-vocab-phi-3.gguf")) + " --messages " + shell_quote(msgs));
  EXPECT_EQ(g.status, 0) << g.err;
  EXPECT_EQ(g.out, "<s><|user|>\nHi<|end|>\n<|assistant|>\n");
}

TEST(TemplateCli, ContextGivesExactlyTheVariables) {
  Files f;
  std::string tmpl = f.put("t.jinja", "{{ documents is defined }} {{ tools is defined }} {{ x }} {{ add_generation_prompt }}");
  auto r = heft("--template " + shell_quote(tmpl) + " --context -", R"({"messages": [], "x": [1, "a"]})");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "False False [1, 'a'] True");
  std::string msgs = f.put("m.json", "[]");
  r = heft("--template " + shell_quote(tmpl) + " --messages " + shell_quote(msgs));
  EXPECT_EQ(r.out, "True True  True");  // without --context: documents and tools are null, as transformers passes them
  // --context overrides the model's tokens and the flags.
  r = heft(shell_quote(shared("tokenizers/llama3")) + " --template " + shell_quote(f.put("b.jinja", "{{ bos_token }}")) +
           " --context -", R"({"messages": [], "bos_token": "<mine>"})");
  EXPECT_EQ(r.out, "<mine>");
}

TEST(TemplateCli, NamedTemplatesAndTools) {
  Files f;
  f.put("tokenizer_config.json", R"({"chat_template": [{"name": "default", "template": "default"},
                                                       {"name": "tool_use", "template": "tools={{ tools|tojson }}"}]})");
  std::string msgs = f.put("m.json", "[]");
  std::string tools = f.put("tools.json", R"([{"type": "function", "function": {"name": "f"}}])");
  EXPECT_EQ(heft(shell_quote(f.dir) + " --messages " + shell_quote(msgs)).out, "default");
  EXPECT_EQ(heft(shell_quote(f.dir) + " --messages " + shell_quote(msgs) + " --tools " + shell_quote(tools)).out,
            R"(tools=[{"type": "function", "function": {"name": "f"}}])");
  EXPECT_EQ(heft(shell_quote(f.dir) + " --template-name tool_use --messages " + shell_quote(msgs)).out, "tools=null");
  auto bad = heft(shell_quote(f.dir) + " --template-name nope --messages " + shell_quote(msgs));
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("no chat template named 'nope'"), std::string::npos) << bad.err;
}

TEST(TemplateCli, FixedNow) {
  Files f;
  std::string tmpl = f.put("t.jinja", "{{ strftime_now('%Y-%m-%d %a') }}");
  std::string msgs = f.put("m.json", "[]");
  std::string base = "--template " + shell_quote(tmpl) + " --messages " + shell_quote(msgs);
  EXPECT_EQ(heft(base + " --now 2026-11-26").out, "2026-11-26 Thu");
  EXPECT_EQ(run_command("HEFT_NOW=2030-01-02 " + shell_quote(heft_binary()) + " template " + base).out, "2030-01-02 Wed");
  EXPECT_EQ(run_command("HEFT_NOW=2030-01-02 " + shell_quote(heft_binary()) + " template " + base + " --now 2026-11-26").out,
            "2026-11-26 Thu");
  auto bad = heft(base + " --now someday");
  EXPECT_EQ(bad.status, 1);
  auto help = heft("--help");
  EXPECT_NE(help.out.find("HEFT_NOW"), std::string::npos);
}

TEST(TemplateCli, ErrorsAreOneLineWithPosition) {
  Files f;
  std::string msgs = f.put("m.json", R"([{"role": "system", "content": "x"}])");
  std::string raise = f.put("r.jinja", "{% if messages[0].role == 'system' %}\n  {{ raise_exception('System role not supported') }}\n{% endif %}");
  auto r = heft("--template " + shell_quote(raise) + " --messages " + shell_quote(msgs));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "heft: " + raise + ":2:6: raise_exception: System role not supported\n");
  std::string bad = f.put("bad.jinja", "ok\n{{ 1|foo }}");
  r = heft("--template " + shell_quote(bad) + " --messages " + shell_quote(msgs));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "heft: " + bad + ":2:6: unknown filter 'foo'\n");
  r = heft("--template " + shell_quote(bad));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--messages"), std::string::npos) << r.err;
  r = heft("--messages " + shell_quote(msgs));
  EXPECT_EQ(r.status, 1);
  r = heft("--template " + shell_quote(bad) + " --messages " + shell_quote(f.put("x.json", "{oops")));
  EXPECT_EQ(r.status, 1);
}

}  // namespace
}  // namespace heft::test
