#pragma once
// The YAML front matter of a Hugging Face model card (README.md): the flat
// keys model cards use (license, license_name, license_link, base_model, tags,
// pipeline_tag, language, datasets), as scalars or lists. Not a general YAML
// parser: nested mappings are skipped.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace heft::formats {

struct ModelCard {
  std::map<std::string, std::vector<std::string>> fields;  // scalar → one element
  std::string first(const std::string& key) const;
  const std::vector<std::string>* list(const std::string& key) const;
};

// Empty card when the text has no front matter.
ModelCard parse_model_card(std::string_view readme);

}  // namespace heft::formats
