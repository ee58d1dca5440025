#pragma once
// A loaded model: hyper-parameters, its ArchSpec, and typed views of every
// weight. Weights stay in the file mapping; nothing is copied or dequantized
// at load unless a conversion was asked for.
#include <memory>
#include <vector>

#include "formats/model_file.h"
#include "model/arch_spec.h"
#include "model/hparams.h"
#include "model/weights.h"
#include "util/error.h"

namespace heft::model {

struct Model {
  const ArchSpec* spec = nullptr;
  Hparams hp;
  Weight tok_embd;     // (n_vocab rows of n_embd)
  Weight pos_embd;     // learned positions (GPT-2)
  Weight output_norm, output_norm_bias;
  Weight output;       // (n_embd -> n_vocab); the embedding matrix when tied
  Weight rope_freqs;   // optional per-dimension RoPE frequency factors (Llama 3 scaling)
  Weight rope_long, rope_short;  // LongRoPE factors (Phi-3): long when the context exceeds the original
  std::vector<LayerWeights> layers;
  formats::ModelFile file;  // owns the mapping every Weight points into
  std::vector<std::vector<uint8_t>> owned;  // weights heft had to materialize
};

// From a GGUF-named ModelFile (GGUF, llama2.c; HF folders are mapped to GGUF names first).
util::Result<std::unique_ptr<Model>> load_model(formats::ModelFile&& file);

}  // namespace heft::model
