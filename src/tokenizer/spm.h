#pragma once
// SentencePiece-style BPE as llama.cpp runs it for GGUF "llama" vocabularies:
// start from UTF-8 characters and keep merging the adjacent pair whose
// concatenation is a token with the highest score (leftmost on ties). A final
// piece that is not a token becomes its bytes' <0xNN> tokens (or the byte
// itself when that is a token).
//
// Where llama.cpp aborts (a byte with neither token, e.g. TinyStories, which
// has no byte tokens), heft emits the unknown token once for that piece.
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace heft::tokenizer {

// `text` has spaces already escaped as U+2581. `unk` is used for pieces that
// have no byte tokens; -1 drops them.
void spm_tokenize(const Vocab& vocab, std::string_view text, int32_t unk, std::vector<int32_t>& out);

// llama.cpp's byte_to_token for SentencePiece vocabularies: <0xNN>, else the
// one-byte string; -1 when neither is a token.
int32_t spm_byte_token(const Vocab& vocab, uint8_t byte);

}  // namespace heft::tokenizer
