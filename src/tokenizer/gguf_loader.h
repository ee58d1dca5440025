#pragma once
// Builds a tokenizer from GGUF `tokenizer.ggml.*` metadata with llama.cpp's
// load-time rules: defaults per vocabulary type, special-token ids with
// range checks, add_bos/add_eos flags, end-of-generation detection by token
// text, and the per-model token attributes llama.cpp hard-codes.
#include <string>

#include "formats/metadata.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace heft::tokenizer {

// `source` names the file in errors.
util::Result<Tokenizer> tokenizer_from_gguf(const formats::Metadata& md, const std::string& source);

}  // namespace heft::tokenizer
