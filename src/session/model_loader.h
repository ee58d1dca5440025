#pragma once
// Opening a model for generation: its weights (re-encoded at load when asked),
// its tokenizer and its chat templates, as `heft run`, `heft chat`, `heft serve`
// and the tests all need them.
#include <memory>
#include <optional>
#include <string>

#include "chat/template_source.h"
#include "formats/model_file.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace heft::session {

struct LoadedModel {
  std::string path;
  std::unique_ptr<model::Model> model;
  std::optional<tokenizer::Tokenizer> tokenizer;
};

// The weights of an opened model file; quantize: a file type name (Q8_0, Q4_K_M, ...) to
// re-encode them to at load (llama-quantize's per-tensor choices); empty: as stored.
util::Result<std::unique_ptr<model::Model>> load_weights(formats::ModelFile&& mf, const std::string& quantize,
                                                         unsigned threads);

// load_weights plus the model's tokenizer; an empty path is the demo model.
util::Result<LoadedModel> load_model(const std::string& path, const std::string& quantize = {}, unsigned threads = 0);

// The chat templates of a loaded model: its file's or folder's, else those in its metadata.
chat::TemplateSet load_model_templates(const LoadedModel& m);

// The model used when none is named: the demo model in this repository.
std::string default_model_path();

}  // namespace heft::session
