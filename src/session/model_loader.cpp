#include "session/model_loader.h"
#include "store/hf_cache.h"

#include <filesystem>

#include "convert/quantize_in_memory.h"
#include "formats/open_model.h"
#include "model/hf_names.h"

namespace heft::session {

util::Result<std::unique_ptr<model::Model>> load_weights(formats::ModelFile&& mf, const std::string& quantize,
                                                         unsigned threads) {
  if (!quantize.empty()) {
    auto ft = convert::file_type_from_name(quantize);
    if (!ft) return util::fail("--quantize: unknown type '" + quantize + "'");
    mf = HEFT_TRY(model::map_hf_model(std::move(mf)));
    HEFT_TRY(convert::quantize_in_memory(mf, *ft, threads));
  }
  return model::load_model(std::move(mf));
}

util::Result<LoadedModel> load_model(const std::string& given_path, const std::string& quantize, unsigned threads) {
  // ORG/NAME[@REV][:QUANT] names a model in the Hugging Face cache.
  const std::string path = HEFT_TRY(store::resolve_model_argument(given_path.empty() ? default_model_path() : given_path));
  auto mf = HEFT_TRY(formats::open_model(path));
  LoadedModel out;
  out.path = path;
  out.tokenizer = HEFT_TRY(tokenizer::load_tokenizer(mf));
  out.model = HEFT_TRY(load_weights(std::move(mf), quantize, threads));
  // Real checkpoints often pad the embedding matrix past the tokenizer's last id; the reverse cannot work.
  if (out.tokenizer->n_vocab() > out.model->hp.n_vocab)
    return util::fail("the tokenizer has " + std::to_string(out.tokenizer->n_vocab()) + " tokens but the model only " +
                          std::to_string(out.model->hp.n_vocab),
                      path);
  return out;
}

chat::TemplateSet load_model_templates(const LoadedModel& m) {
  auto set = chat::load_templates(m.path);
  return set ? std::move(*set) : chat::templates_from_metadata(m.model->file.metadata, m.path);
}

std::string default_model_path() {
  // Next to the binary's source tree (build/heft → models/), else the working directory.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    fs::path candidate = dir / "models" / "tinystories-656k-q8_0.gguf";
    if (fs::exists(candidate, ec)) return candidate.string();
  }
  return "models/tinystories-656k-q8_0.gguf";
}

}  // namespace heft::session
