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
#include <vector>

#include "formats/model_file.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::model {

// A layout change a tensor still needs (Hugging Face → GGUF).
struct Transform {
  enum class Kind { None, PermuteHeads, Transpose, AddOne } kind = Kind::None;
  uint32_t heads = 0;  // PermuteHeads
};

// Names and metadata mapped; transforms recorded, not applied, so a converter
// can apply them while it streams (memory stays near one slice of one tensor).
struct MappedModel {
  formats::ModelFile file;
  std::vector<Transform> transforms;  // one per file.tensors entry
};
util::Result<MappedModel> map_hf_names(formats::ModelFile&& hf);

// Rows [row0, row0 + n) of tensor `t` after `tf`, as floats (n x output row length).
void transformed_rows(const formats::TensorInfo& t, const Transform& tf, int64_t row0, int64_t n, float* out);
// The shape a tensor has after its transform (GGUF order).
std::vector<uint64_t> transformed_shape(const formats::TensorInfo& t, const Transform& tf);

// Everything applied: the form the engine runs. GGUF-named files pass through.
util::Result<formats::ModelFile> map_hf_model(formats::ModelFile&& hf);

}  // namespace heft::model
