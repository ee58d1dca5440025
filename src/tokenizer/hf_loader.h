#pragma once
// Builds a tokenizer from a Hugging Face tokenizer.json with tokenizers'
// semantics (its Rust source is the reference). tokenizer_config.json and
// generation_config.json only name special tokens (BOS/EOS/UNK/PAD and the
// end-of-generation set); they never change how text is encoded, because
// tokenizers itself does not read them.
#include <string>
#include <string_view>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace heft::tokenizer {

struct HfSources {
  std::string_view tokenizer_json;
  std::string_view tokenizer_config;   // may be empty
  std::string_view generation_config;  // may be empty
  std::string source;                  // file name for errors
};

util::Result<Tokenizer> tokenizer_from_hf(const HfSources& in);

}  // namespace heft::tokenizer
