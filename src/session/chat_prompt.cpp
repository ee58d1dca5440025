#include "session/chat_prompt.h"

namespace heft::session {

util::Result<ChatPrompt> ChatPrompt::create(const chat::TemplateSet& set, std::string_view name,
                                            const std::string& source_override, std::string origin) {
  std::string source = source_override;
  if (source.empty()) {
    auto chosen = set.select(name, false);
    if (!chosen && name.empty()) return util::fail("this model has no chat template", set.origin);
    if (!chosen) return std::unexpected(chosen.error());
    source = chosen->second;
  }
  auto tmpl = HEFT_TRY(chat::Template::parse(source, origin.empty() ? "chat_template" : std::move(origin)));
  return ChatPrompt(std::move(tmpl), set.special_tokens, std::move(source));
}

util::Result<std::string> ChatPrompt::render(const util::Json& messages, const util::Json& tools,
                                             bool add_generation_prompt, const util::Json& kwargs) const {
  util::Json extra = special_;
  if (kwargs.is_object())
    for (const auto& [k, v] : kwargs.as_object()) extra.set(k, v);
  return tmpl_.render(messages, tools, add_generation_prompt, extra);
}

std::vector<int32_t> ChatPrompt::encode(const tokenizer::Tokenizer& tok, const std::string& rendered) const {
  // Templates that print the BOS themselves must not get a second one.
  const std::string bos_text = tok.bos() >= 0 ? tok.token_text(tok.bos()) : std::string();
  const bool has_bos = !bos_text.empty() && rendered.starts_with(bos_text);
  return tok.encode(rendered, {.add_special = !has_bos, .parse_special = true});
}

}  // namespace heft::session
