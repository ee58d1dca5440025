#include "chat/template_source.h"

#include <algorithm>
#include <filesystem>

#include "formats/open_model.h"
#include "util/mapped_file.h"

namespace heft::chat {

namespace fs = std::filesystem;
using util::Json;

namespace {

constexpr size_t kMaxConfigBytes = size_t{64} << 20;
constexpr const char* kTokenRoles[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                       "pad_token", "cls_token", "mask_token"};

void set_template(TemplateSet& set, std::string name, std::string text) {
  for (auto& [n, t] : set.templates)
    if (n == name) {
      t = std::move(text);
      return;
    }
  set.templates.emplace_back(std::move(name), std::move(text));
}

// A special token in tokenizer_config.json: "text" or an AddedToken {"content": "text", ...}.
const Json* token_text(const Json& v) {
  if (v.is_string()) return &v;
  if (v.is_object())
    if (const Json* c = v.find("content"); c && c->is_string()) return c;
  return nullptr;
}

util::Result<Json> read_json(const fs::path& p) {
  std::string text = HEFT_TRY(util::read_file(p.string(), kMaxConfigBytes));
  return Json::parse(text, p.string());
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

util::Result<TemplateSet> load_folder(const fs::path& dir) {
  TemplateSet set;
  set.origin = dir.string();
  if (is_file(dir / "tokenizer_config.json")) {
    Json cfg = HEFT_TRY(read_json(dir / "tokenizer_config.json"));
    set = HEFT_TRY(templates_from_tokenizer_config(cfg, (dir / "tokenizer_config.json").string()));
    set.origin = dir.string();
  }
  if (set.templates.empty() && is_file(dir / "chat_template.json")) {
    Json ct = HEFT_TRY(read_json(dir / "chat_template.json"));
    TemplateSet from_ct = HEFT_TRY(templates_from_tokenizer_config(ct, (dir / "chat_template.json").string()));
    set.templates = std::move(from_ct.templates);
  }
  // Newer transformers save the template as its own file; it takes precedence.
  if (is_file(dir / "chat_template.jinja"))
    set_template(set, "default", HEFT_TRY(util::read_file((dir / "chat_template.jinja").string(), kMaxConfigBytes)));
  std::error_code ec;
  fs::path extra = dir / "additional_chat_templates";
  if (fs::is_directory(extra, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(extra, ec))
      if (e.path().extension() == ".jinja") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      set_template(set, f.stem().string(), HEFT_TRY(util::read_file(f.string(), kMaxConfigBytes)));
  }
  return set;
}

}  // namespace

const std::string* TemplateSet::find(std::string_view name) const {
  for (const auto& [n, t] : templates)
    if (n == name) return &t;
  return nullptr;
}

std::vector<std::string> TemplateSet::names() const {
  std::vector<std::string> out;
  for (const auto& [n, t] : templates) out.push_back(n);
  return out;
}

util::Result<std::pair<std::string, std::string>> TemplateSet::select(std::string_view name, bool has_tools) const {
  if (templates.empty()) return util::fail("no chat template found", origin);
  if (!name.empty()) {
    if (const std::string* t = find(name)) return std::pair{std::string(name), *t};
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    return util::fail("no chat template named '" + std::string(name) + "' (this model has: " + known + ")", origin);
  }
  if (has_tools)
    if (const std::string* t = find("tool_use")) return std::pair{std::string("tool_use"), *t};
  if (const std::string* t = find("default")) return std::pair{std::string("default"), *t};
  if (templates.size() == 1) return templates[0];
  return util::fail("this model has several chat templates and none is the default: name one", origin);
}

util::Result<TemplateSet> templates_from_tokenizer_config(const Json& cfg, std::string origin) {
  TemplateSet set;
  set.origin = std::move(origin);
  if (!cfg.is_object()) return util::fail("not a JSON object", set.origin);
  if (const Json* ct = cfg.find("chat_template")) {
    if (ct->is_string()) {
      set_template(set, "default", ct->as_string());
    } else if (ct->is_array()) {
      for (const Json& item : ct->as_array()) {
        const Json* name = item.find("name");
        const Json* body = item.find("template");
        if (!name || !name->is_string() || !body || !body->is_string())
          return util::fail("chat_template list entries need \"name\" and \"template\" strings", set.origin);
        set_template(set, name->as_string(), body->as_string());
      }
    } else if (!ct->is_null()) {
      return util::fail("chat_template must be a string or a list of {name, template}", set.origin);
    }
  }
  for (const char* role : kTokenRoles)
    if (const Json* v = cfg.find(role))
      if (const Json* text = token_text(*v)) set.special_tokens.set(role, *text);
  if (const Json* extra = cfg.find("additional_special_tokens"); extra && extra->is_array()) {
    Json list = Json::array();
    for (const Json& v : extra->as_array())
      if (const Json* text = token_text(v)) list.push_back(*text);
    set.special_tokens.set("additional_special_tokens", std::move(list));
  }
  return set;
}

TemplateSet templates_from_metadata(const formats::Metadata& md, std::string origin) {
  TemplateSet set;
  set.origin = std::move(origin);
  if (auto t = md.get_string("tokenizer.chat_template")) set_template(set, "default", *t);
  const std::string prefix = "tokenizer.chat_template.";
  for (const auto& [key, value] : md.entries())
    if (key.starts_with(prefix) && key.size() > prefix.size())
      if (const std::string* s = value.as_string()) set_template(set, key.substr(prefix.size()), *s);

  const formats::MetaValue* tokens = md.find("tokenizer.ggml.tokens");
  static constexpr std::pair<const char*, const char*> kRoles[] = {
      {"bos", "bos_token"}, {"eos", "eos_token"}, {"unknown", "unk_token"}, {"seperator", "sep_token"},
      {"padding", "pad_token"}, {"cls", "cls_token"}, {"mask", "mask_token"}};
  for (auto [gguf_role, var] : kRoles) {
    auto id = md.get_int(std::string("tokenizer.ggml.") + gguf_role + "_token_id");
    if (!id || !tokens || tokens->elem_type != formats::ValueType::String || *id < 0 ||
        static_cast<uint64_t>(*id) >= tokens->strings.size())
      continue;
    set.special_tokens.set(var, Json(tokens->strings[static_cast<size_t>(*id)]));
  }
  return set;
}

util::Result<TemplateSet> load_templates(const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  if (!fs::exists(p, ec)) return util::fail("no such file or folder", path);
  if (fs::is_directory(p, ec)) {
    if (is_file(p / "tokenizer_config.json") || is_file(p / "chat_template.jinja") || is_file(p / "chat_template.json")) {
      TemplateSet set = HEFT_TRY(load_folder(p));
      if (!set.templates.empty()) return set;
    }
    // A model folder without a template of its own: whatever the model reader finds.
    auto mf = formats::open_model(path);
    if (!mf) return util::fail("no chat template found (no tokenizer_config.json or chat_template.jinja)", path);
    TemplateSet set = templates_from_metadata(mf->metadata, path);
    if (set.templates.empty()) return util::fail("no chat template found", path);
    return set;
  }
  if (p.extension() == ".json") {
    Json cfg = HEFT_TRY(read_json(p));
    TemplateSet set = HEFT_TRY(templates_from_tokenizer_config(cfg, path));
    if (set.templates.empty()) return util::fail("no chat_template in this file", path);
    return set;
  }
  if (p.extension() == ".jinja") {
    TemplateSet set;
    set.origin = path;
    set.templates.emplace_back("default", HEFT_TRY(util::read_file(path, kMaxConfigBytes)));
    return set;
  }
  formats::ModelFile mf = HEFT_TRY(formats::open_model(path));
  TemplateSet set = templates_from_metadata(mf.metadata, path);
  if (set.templates.empty()) return util::fail("model has no chat template (no tokenizer.chat_template)", path);
  return set;
}

}  // namespace heft::chat
