#pragma once
// Recognises which well-known prompt format a chat template writes, from the
// markers it contains. For display only (`heft inspect`); rendering always runs
// the template itself.
#include <string_view>

namespace heft::chat {

// "chatml", "llama3", "llama2", "mistral", "gemma", "phi3", "deepseek", "command-r",
// "zephyr", "gpt-oss", or "custom" when nothing matches.
std::string_view template_family(std::string_view tmpl);

}  // namespace heft::chat
