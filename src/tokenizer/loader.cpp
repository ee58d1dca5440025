// load_tokenizer / load_tokenizer_json / load_tokenizer_path: pick the source
// a model names and hand it to the GGUF or tokenizer.json loader.
#include <filesystem>

#include "formats/model_file.h"
#include "formats/open_model.h"
#include "tokenizer/gguf_loader.h"
#include "tokenizer/hf_loader.h"
#include "tokenizer/tokenizer.h"
#include "util/mapped_file.h"

namespace heft::tokenizer {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxJsonBytes = size_t(1) << 30;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

util::Result<std::string> read_optional(const fs::path& p) {
  if (!is_file(p)) return std::string();
  return util::read_file(p.string(), kMaxJsonBytes);
}

// A folder holding tokenizer.json (a Hugging Face model folder or just the tokenizer files).
util::Result<Tokenizer> load_folder(const fs::path& dir) {
  fs::path tj = dir / "tokenizer.json";
  if (!is_file(tj)) return util::fail("no tokenizer.json in this folder", dir.string());
  std::string json = HEFT_TRY(util::read_file(tj.string(), kMaxJsonBytes));
  std::string config = HEFT_TRY(read_optional(dir / "tokenizer_config.json"));
  std::string generation = HEFT_TRY(read_optional(dir / "generation_config.json"));
  return tokenizer_from_hf({json, config, generation, tj.string()});
}

}  // namespace

util::Result<Tokenizer> load_tokenizer_json(const std::string& path, const std::string& config_path) {
  std::string json = HEFT_TRY(util::read_file(path, kMaxJsonBytes));
  std::string config;
  if (!config_path.empty()) config = HEFT_TRY(util::read_file(config_path, kMaxJsonBytes));
  return tokenizer_from_hf({json, config, {}, path});
}

util::Result<Tokenizer> load_tokenizer(const formats::ModelFile& mf) {
  if (mf.format == formats::FileFormat::Gguf) return tokenizer_from_gguf(mf.metadata, mf.path);
  std::error_code ec;
  fs::path p(mf.path);
  if (fs::is_directory(p, ec)) return load_folder(p);
  // A single checkpoint file: its folder may hold the tokenizer.
  if (is_file(p.parent_path() / "tokenizer.json")) return load_folder(p.parent_path());
  return util::fail("no tokenizer: this " + std::string(formats::format_name(mf.format)) +
                        " file has none and its folder holds no tokenizer.json",
                    mf.path);
}

util::Result<Tokenizer> load_tokenizer_path(const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  if (!fs::exists(p, ec)) return util::fail("no such file or folder", path);
  if (fs::is_directory(p, ec)) return load_folder(p);
  if (p.extension() == ".json") {
    fs::path cfg = p.parent_path() / "tokenizer_config.json";
    return load_tokenizer_json(path, is_file(cfg) ? cfg.string() : std::string());
  }
  formats::ModelFile mf = HEFT_TRY(formats::open_model(path));
  return load_tokenizer(mf);
}

}  // namespace heft::tokenizer
