// `heft template [MODEL] [--template FILE.jinja] [--template-name NAME] [--messages FILE.json]
//                [--tools FILE.json] [--context FILE.json] [--no-generation-prompt] [--now DATE]`
//
// Prints the prompt a chat template makes, exactly (no newline added), with
// the variables transformers' apply_chat_template passes: messages, tools,
// documents (null), add_generation_prompt and the model's special tokens.
// --context gives the render variables as one JSON object instead; it wins
// over everything else, so a template can be rendered with exactly what a
// reference renderer was given.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "chat/template.h"
#include "chat/template_source.h"
#include "cli/command.h"
#include "store/hf_cache.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

using util::Json;

struct TemplateOptions {
  std::string model;
  std::string template_file;
  std::string template_name;
  std::string messages;
  std::string tools;
  std::string context;
  std::string now;
  bool no_generation_prompt = false;
};

// A JSON file, or stdin for "-".
util::Result<Json> read_json_arg(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    text = HEFT_TRY(util::read_file(path));
  }
  return Json::parse(text, path == "-" ? "stdin" : path);
}

int run(const TemplateOptions& opt) {
  if (opt.model.empty() && opt.template_file.empty())
    return report({"template needs a MODEL (or a tokenizer_config.json), or --template FILE.jinja"});

  // The template and the model's special tokens.
  std::string source, name;
  Json special = Json::object();
  bool has_tools_arg = !opt.tools.empty();
  Json context;
  if (!opt.context.empty()) {
    auto c = read_json_arg(opt.context);
    if (!c) return report(c.error());
    if (!c->is_object()) return report({"--context must hold a JSON object of render variables", opt.context});
    context = std::move(*c);
    if (const Json* t = context.find("tools"); t && !t->is_null()) has_tools_arg = true;
  }
  if (!opt.model.empty()) {
    auto path = store::resolve_model_argument(opt.model);
    if (!path) return report(path.error());
    auto set = chat::load_templates(*path);
    if (!set) {
      if (opt.template_file.empty()) return report(set.error());
    } else {
      special = set->special_tokens;
      if (opt.template_file.empty()) {
        auto picked = set->select(opt.template_name, has_tools_arg);
        if (!picked) return report(picked.error());
        source = picked->second;
        name = picked->first == "default" ? "chat_template" : "chat_template." + picked->first;
      }
    }
  }
  if (!opt.template_file.empty()) {
    auto text = util::read_file(opt.template_file);
    if (!text) return report(text.error());
    source = std::move(*text);
    name = opt.template_file;
  }
  auto tmpl = chat::Template::parse(source, name);
  if (!tmpl) return report(tmpl.error());

  // The render variables.
  Json messages, tools;
  bool have_messages = false;
  if (!opt.messages.empty()) {
    auto m = read_json_arg(opt.messages);
    if (!m) return report(m.error());
    if (m->is_object() && m->find("messages")) {  // {"messages": [...], "tools": [...]} also works
      messages = *m->find("messages");
      if (const Json* t = m->find("tools")) tools = *t;
    } else {
      messages = std::move(*m);
    }
    if (!messages.is_array()) return report({"--messages must hold a JSON array of messages", opt.messages});
    have_messages = true;
  }
  if (!opt.tools.empty()) {
    auto t = read_json_arg(opt.tools);
    if (!t) return report(t.error());
    if (!t->is_array() && !t->is_null()) return report({"--tools must hold a JSON array of tool schemas", opt.tools});
    tools = std::move(*t);
  }
  if (!have_messages && !(context.is_object() && context.find("messages")))
    return report({"give the conversation with --messages FILE.json (or as \"messages\" in --context FILE.json)"});

  Json vars = special;
  if (context.is_object()) {
    // Exactly what --context says, plus what the flags named explicitly.
    if (have_messages) vars.set("messages", messages);
    if (!opt.tools.empty() || !tools.is_null()) vars.set("tools", tools);
    vars.set("add_generation_prompt", Json(!opt.no_generation_prompt));
    for (const auto& [k, v] : context.as_object()) vars.set(k, v);
  } else {
    vars.set("messages", messages);
    vars.set("tools", tools);
    vars.set("documents", Json());
    vars.set("add_generation_prompt", Json(!opt.no_generation_prompt));
  }

  jinja::RenderOptions ropt;
  std::string now = opt.now;
  if (now.empty())
    if (const char* env = std::getenv("HEFT_NOW")) now = env;
  if (!now.empty()) {
    auto tm = chat::parse_now(now);
    if (!tm) return report(tm.error());
    std::tm fixed = *tm;
    ropt.now = [fixed] { return fixed; };
  }
  auto out = tmpl->render_context(vars, ropt);
  if (!out) return report(out.error());
  std::fwrite(out->data(), 1, out->size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

Action add_template(CLI::App& app) {
  auto opt = std::make_shared<TemplateOptions>();
  auto* cmd = app.add_subcommand(
      "template",
      "Render a chat template: print the exact prompt a model's template makes for a conversation.\n"
      "strftime_now() in templates uses the local clock unless --now or the HEFT_NOW environment\n"
      "variable fixes it (e.g. HEFT_NOW=2026-11-26).");
  cmd->add_option("model", opt->model,
                  "A .gguf, a Hugging Face folder, or a tokenizer_config.json: supplies the template and the "
                  "special tokens (bos_token, eos_token, ...); or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG]");
  auto* file = cmd->add_option("--template", opt->template_file, "Render this .jinja file instead of the model's template");
  cmd->add_option("--template-name", opt->template_name,
                  "Pick a named template (e.g. tool_use); default: tool_use when tools are given and the model "
                  "has one, else the default template")
      ->excludes(file);
  cmd->add_option("--messages", opt->messages,
                  "JSON file with the messages array (or {\"messages\": [...], \"tools\": [...]}); - reads stdin");
  cmd->add_option("--tools", opt->tools, "JSON file with the tools array (OpenAI function schemas)");
  cmd->add_option("--context", opt->context,
                  "JSON object of render variables (messages, tools, add_generation_prompt, bos_token, ...); it "
                  "overrides everything else and nothing else is added (no documents/tools defaults)");
  cmd->add_flag("--no-generation-prompt", opt->no_generation_prompt,
                "Render with add_generation_prompt=false (default true)");
  cmd->add_option("--now", opt->now,
                  "Fix the date strftime_now() sees, e.g. 2026-11-26 or 2026-11-26T13:45:00 (overrides HEFT_NOW)");
  return [opt]() -> int { return run(*opt); };
}

}  // namespace heft::cli
