#pragma once
// Karpathy's llama2.c checkpoints. Legacy (version 0): seven int32 (dim,
// hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size — negative when the
// classifier is separate — seq_len), then float32 arrays in a fixed order.
// Version 1 ("ak42" magic, 256-byte header) is read too. The file has no magic
// in version 0, so it is recognised by its sizes adding up exactly.
// Tensors become views under llama's GGUF names; llama2.c's RoPE already
// rotates adjacent pairs, as GGUF llama expects, so no permutation is needed.
#include <span>
#include <string>

#include "formats/model_file.h"
#include "util/error.h"

namespace heft::formats {

util::Result<ModelFile> read_llama2c(const std::string& path);
util::Result<ModelFile> parse_llama2c(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace heft::formats
