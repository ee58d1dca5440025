#pragma once
// A Hugging Face model folder: config.json, safetensors weights (single or
// sharded), generation_config.json, tokenizer files, the model card and LICENSE.
// Tensors keep their HF names; metadata is translated into GGUF key names.
#include <string>

#include "formats/model_file.h"
#include "util/error.h"

namespace heft::formats {

util::Result<ModelFile> read_hf_folder(const std::string& dir);
bool looks_like_hf_folder(const std::string& dir);

}  // namespace heft::formats
