#include "formats/hf_folder.h"

#include <algorithm>
#include <filesystem>

#include "formats/hf_config.h"
#include "formats/model_card.h"
#include "formats/pickle.h"
#include "formats/safetensors.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::formats {

namespace fs = std::filesystem;
using util::Json;
using util::Result;

namespace {

constexpr size_t kMaxConfigBytes = 64 << 20;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

Result<std::optional<Json>> read_json_if_present(const fs::path& p) {
  if (!is_file(p)) return std::optional<Json>();
  std::string text = HEFT_TRY(util::read_file(p.string(), kMaxConfigBytes));
  Json j = HEFT_TRY(Json::parse(text, p.string()));
  return std::optional<Json>(std::move(j));
}

// Which safetensors files hold the weights.
Result<ModelFile> read_weights(const fs::path& dir) {
  if (is_file(dir / "model.safetensors.index.json"))
    return read_safetensors_index((dir / "model.safetensors.index.json").string());
  if (is_file(dir / "model.safetensors")) return read_safetensors((dir / "model.safetensors").string());
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".safetensors") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  if (files.size() == 1) return read_safetensors((dir / files[0]).string());
  if (files.empty()) {
    for (const char* pickle : {"pytorch_model.bin", "model.pt", "model.pth", "model.ckpt"})
      if (is_file(dir / pickle)) return std::unexpected(pickle_refusal((dir / pickle).string()));
    return util::fail("no .safetensors weights in this folder", dir.string());
  }
  return util::fail("several .safetensors files and no model.safetensors.index.json to say which to use",
                    dir.string());
}

void add_chat_templates(const Json& tok_config, Metadata& md) {
  const Json* tmpl = tok_config.find("chat_template");
  if (!tmpl) return;
  if (tmpl->is_string()) {
    md.set("tokenizer.chat_template", MetaValue::string(tmpl->as_string()));
    return;
  }
  if (!tmpl->is_array()) return;
  // The named form: [{"name": "default", "template": "..."}, {"name": "tool_use", ...}]
  std::vector<std::string> names;
  for (const Json& entry : tmpl->as_array()) {
    std::string name = entry.get_string("name");
    const Json* body = entry.find("template");
    if (name.empty() || !body || !body->is_string()) continue;
    if (name == "default") md.set("tokenizer.chat_template", MetaValue::string(body->as_string()));
    else {
      md.set("tokenizer.chat_template." + name, MetaValue::string(body->as_string()));
      names.push_back(name);
    }
  }
  if (!names.empty()) md.set("tokenizer.chat_templates", MetaValue::string_array(names));
}

}  // namespace

bool looks_like_hf_folder(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && is_file(fs::path(dir) / "config.json");
}

Result<ModelFile> read_hf_folder(const std::string& dir_str) {
  fs::path dir(dir_str);
  if (!is_file(dir / "config.json")) return util::fail("not a Hugging Face model folder: no config.json", dir_str);
  auto config = HEFT_TRY(read_json_if_present(dir / "config.json"));
  if (!config->is_object()) return util::fail("config.json is not a JSON object", (dir / "config.json").string());

  ModelFile mf = HEFT_TRY(read_weights(dir));
  mf.format = FileFormat::HfFolder;
  mf.path = dir_str;
  mf.gguf_names = false;

  Metadata md;
  HEFT_TRY(translate_hf_config(*config, md, (dir / "config.json").string()));
  std::string folder_name = fs::absolute(dir).lexically_normal().filename().string();
  if (folder_name.empty()) folder_name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  md.set("general.name", MetaValue::string(folder_name));
  if (auto gen = HEFT_TRY(read_json_if_present(dir / "generation_config.json")); gen && gen->is_object())
    translate_generation_config(*gen, md);
  if (is_file(dir / "README.md")) {
    std::string readme = HEFT_TRY(util::read_file((dir / "README.md").string(), kMaxConfigBytes));
    translate_model_card(parse_model_card(readme), md);
  }
  for (const char* license : {"LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE"})
    if (is_file(dir / license)) {
      md.set("general.license.file", MetaValue::string(license));
      break;
    }
  if (auto tok_config = HEFT_TRY(read_json_if_present(dir / "tokenizer_config.json")); tok_config && tok_config->is_object())
    add_chat_templates(*tok_config, md);
  if (is_file(dir / "chat_template.jinja")) {
    std::string t = HEFT_TRY(util::read_file((dir / "chat_template.jinja").string(), kMaxConfigBytes));
    md.set("tokenizer.chat_template", MetaValue::string(t));
  } else if (auto ct = HEFT_TRY(read_json_if_present(dir / "chat_template.json")); ct && ct->is_object()) {
    add_chat_templates(*ct, md);
  }
  // Keep what the safetensors header said (e.g. tied-weight aliases) after the translated keys.
  for (const auto& [k, v] : mf.metadata.entries()) md.set(k, v);
  mf.metadata = std::move(md);
  return mf;
}

}  // namespace heft::formats
