#pragma once
// Opens whatever model a user names: a .gguf, a .safetensors (single or the
// index of a sharded set), a Hugging Face folder, or a llama2.c .bin. Pickle
// checkpoints are refused: unpickling runs code.
#include <string>

#include "formats/model_file.h"
#include "util/error.h"

namespace heft::formats {

util::Result<ModelFile> open_model(const std::string& path);

}  // namespace heft::formats
