#pragma once
// A model's chat template: messages (+ tools) in, prompt text out, rendered
// by the sandboxed jinja interpreter with the variables transformers'
// apply_chat_template passes. Parse once, render many times.
#include <string>

#include "jinja/template.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::chat {

class Template {
 public:
  // `name` is what errors call the template.
  static util::Result<Template> parse(std::string_view source, std::string name = "chat_template");

  // messages: [{"role", "content", ...}] (content a string or a list of parts);
  // tools: a list of tool schemas, or null; extra: more variables (bos_token,
  // eos_token, enable_thinking, ...) that override the ones before.
  // As transformers does, `documents` is null unless extra sets it.
  util::Result<std::string> render(const util::Json& messages, const util::Json& tools, bool add_generation_prompt,
                                   const util::Json& extra = util::Json::object(),
                                   const jinja::RenderOptions& options = {}) const;

  // Renders with exactly these variables (a JSON object), nothing added.
  util::Result<std::string> render_context(const util::Json& context, const jinja::RenderOptions& options = {}) const;

  const std::string& name() const { return tmpl_.name(); }

 private:
  jinja::Template tmpl_;
};

// A fixed "now" for strftime_now(): "2026-11-26" or "2026-11-26T13:45[:00]".
util::Result<std::tm> parse_now(std::string_view text);

}  // namespace heft::chat
