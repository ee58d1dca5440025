#include "chat/template_family.h"

#include <array>
#include <utility>

namespace heft::chat {

std::string_view template_family(std::string_view t) {
  auto has = [&](std::string_view s) { return t.find(s) != std::string_view::npos; };
  // Order matters: more specific markers first.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kMarkers = {{
      {"<|start_header_id|>", "llama3"},
      {"<|start|>", "gpt-oss"},
      {"<start_of_turn>", "gemma"},
      {"<|START_OF_TURN_TOKEN|>", "command-r"},
      {"<\xef\xbd\x9cUser\xef\xbd\x9c>", "deepseek"},  // <｜User｜>
      {"<|im_start|>", "chatml"},
      {"<|assistant|>", "phi3"},
      {"[/INST]", "mistral"},
      {"[INST]", "mistral"},
      {"<|user|>", "zephyr"},
      {"<<SYS>>", "llama2"},
  }};
  for (auto [marker, family] : kMarkers)
    if (has(marker)) {
      if (family == "mistral" && has("<<SYS>>")) return "llama2";
      if (family == "phi3" && !has("<|end|>")) return "zephyr";
      return family;
    }
  return "custom";
}

}  // namespace heft::chat
