#pragma once
// Where a model keeps its chat templates, and the special-token texts a
// template may print (bos_token, eos_token...):
//   - a GGUF: tokenizer.chat_template, tokenizer.chat_template.<name>, and
//     token texts from tokenizer.ggml.tokens[tokenizer.ggml.<role>_token_id];
//   - a Hugging Face folder: tokenizer_config.json (`chat_template` as a
//     string or a [{"name", "template"}] list; special tokens as strings or
//     {"content": ...} objects), chat_template.json, chat_template.jinja and
//     additional_chat_templates/<name>.jinja;
//   - a tokenizer_config.json (or chat_template.json) named directly.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/metadata.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::chat {

struct TemplateSet {
  std::string origin;  // the file or folder they came from, for messages
  // Named templates in the order found; the unnamed one is called "default".
  std::vector<std::pair<std::string, std::string>> templates;
  // Special-token texts by their template variable name (bos_token, eos_token, unk_token,
  // sep_token, pad_token, cls_token, mask_token; additional_special_tokens as a list).
  util::Json special_tokens = util::Json::object();

  const std::string* find(std::string_view name) const;
  // transformers' choice: the named one; else "tool_use" when tools are given and it
  // exists; else "default"; else the only template there is.
  util::Result<std::pair<std::string, std::string>> select(std::string_view name, bool has_tools) const;
  std::vector<std::string> names() const;
};

// Reads the templates of a model file, model folder or tokenizer_config.json.
util::Result<TemplateSet> load_templates(const std::string& path);

TemplateSet templates_from_metadata(const formats::Metadata& md, std::string origin);
util::Result<TemplateSet> templates_from_tokenizer_config(const util::Json& config, std::string origin);

}  // namespace heft::chat
