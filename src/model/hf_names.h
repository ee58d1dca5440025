#pragma once
// Hugging Face checkpoints → the GGUF names and layouts heft computes with,
// one table per family, plus the few weights a layout change touches:
//   - Llama/Mistral Q and K rows reordered from rotate-half to interleaved pairs
//     (GGUF llama's RoPE), as llama.cpp's converter permutes them;
//   - Gemma norm weights stored as (w - 1): heft adds the 1, as the converter does;
//   - GPT-2 Conv1D weights stored (in, out): transposed to rows of outputs;
//   - RoPE factor tensors from config.json (Llama 3 scaling, Phi-3 LongRoPE).
// Untouched weights stay views into the safetensors mapping; changed ones are
// owned by the returned ModelFile. The same result feeds the engine (run the
// folder directly) and the GGUF writer (heft convert).
#include "formats/model_file.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::model {

util::Result<formats::ModelFile> map_hf_model(formats::ModelFile&& hf);

}  // namespace heft::model
