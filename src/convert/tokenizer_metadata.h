#pragma once
// tokenizer.ggml.* metadata for a Hugging Face tokenizer (tokenizer.json with
// tokenizer_config.json), written as llama.cpp's converter writes it, so
// llama.cpp and heft tokenize the converted GGUF alike:
//   - BPE with byte fallback (SentencePiece-converted Llama/Mistral/TinyStories):
//     model "llama", scores -1000, byte tokens BYTE, special tokens CONTROL;
//   - byte-level BPE: model "gpt2" with merges, and the `tokenizer.ggml.pre`
//     whose llama.cpp pre-tokenizer reproduces Hugging Face's ids on a probe
//     text (as llama.cpp's converter identifies it by a hash of such ids);
//   - WordPiece: model "bert".
#include <string>

#include "formats/metadata.h"
#include "util/error.h"

namespace heft::convert {

util::Result<void> add_tokenizer_metadata(const std::string& hf_dir, formats::Metadata& md);

}  // namespace heft::convert
