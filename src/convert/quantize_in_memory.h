#pragma once
// Re-encodes a loaded model's weights in memory with a file type's per-tensor
// choices (heft run --quantize Q8_0 on a BF16 Hugging Face folder, say). The
// new weights are owned by the ModelFile; the others stay views.
#include "convert/quant_policy.h"
#include "formats/model_file.h"
#include "util/error.h"

namespace heft::convert {

// `mf` must carry GGUF names (model::map_hf_model first for Hugging Face folders).
util::Result<void> quantize_in_memory(formats::ModelFile& mf, const FileType& type, unsigned threads = 0);

}  // namespace heft::convert
