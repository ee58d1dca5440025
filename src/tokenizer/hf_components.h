#pragma once
// tokenizer.json's pipeline parts: "normalizer", "pre_tokenizer", "decoder"
// and "post_processor" objects turned into heft's stages. Unknown types are
// errors (heft never silently tokenizes differently from the file).
#include <string>

#include "tokenizer/decoder.h"
#include "tokenizer/hf_json.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"

namespace heft::tokenizer::hf {

util::Result<void> parse_normalizer(J n, Normalizer& out, const std::string& source, int depth = 0);
util::Result<void> parse_pre_tokenizer(J n, PreTokenizer& out, const std::string& source, int depth = 0);
util::Result<void> parse_decoder(J n, Decoder& out, const std::string& source, int depth = 0);
// The ids a post-processor puts around a single sequence.
util::Result<PostProcessor> parse_post_processor(J n, const std::string& source, int depth = 0);

}  // namespace heft::tokenizer::hf
