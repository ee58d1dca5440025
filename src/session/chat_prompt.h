#pragma once
// A conversation to prompt tokens through the model's chat template, the way
// `heft chat` and the server's /v1/chat/completions both need it: the template
// chosen as transformers chooses it, special-token texts passed in, special
// tokens in the rendered text parsed, and a BOS added unless the template
// printed one itself.
#include <string>
#include <vector>

#include "chat/template.h"
#include "chat/template_source.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::session {

class ChatPrompt {
 public:
  // name: a named template of the model ("" for transformers' choice); source_override:
  // a template's text to use instead of the model's (empty: the model's).
  static util::Result<ChatPrompt> create(const chat::TemplateSet& set, std::string_view name = {},
                                         const std::string& source_override = {}, std::string origin = {});

  // messages: [{"role", "content"}]; tools: null or a list; kwargs: more template variables
  // (enable_thinking, ...), which override the special-token texts.
  util::Result<std::string> render(const util::Json& messages, const util::Json& tools, bool add_generation_prompt,
                                   const util::Json& kwargs = util::Json::object()) const;
  std::vector<int32_t> encode(const tokenizer::Tokenizer& tok, const std::string& rendered) const;
  const std::string& source() const { return source_; }

 private:
  ChatPrompt(chat::Template tmpl, util::Json special, std::string source)
      : tmpl_(std::move(tmpl)), special_(std::move(special)), source_(std::move(source)) {}
  chat::Template tmpl_;
  util::Json special_;
  std::string source_;
};

}  // namespace heft::session
