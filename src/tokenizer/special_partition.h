#pragma once
// llama.cpp's special-token partition (tokenizer_st_partition) for GGUF
// vocabularies: control, user-defined and unknown tokens are cut out of the
// text, longest token first, before the model's algorithm runs on the rest.
// Without parse_special only user-defined tokens are cut out. A token with
// the lstrip/rstrip flag swallows ASCII whitespace on that side.
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace heft::tokenizer {

struct Fragment {
  int32_t token = -1;  // >= 0: a special token; otherwise text [offset, offset + length)
  size_t offset = 0;
  size_t length = 0;
};

// `specials`: the candidate ids, longest text first.
std::vector<Fragment> partition_special(std::string_view text, const Vocab& vocab, const std::vector<int32_t>& specials,
                                        bool parse_special);

// The ids llama.cpp's cache_special_tokens holds: control, user-defined and
// unknown tokens, sorted by text length (longest first; ties by id).
std::vector<int32_t> special_token_order(const Vocab& vocab);

}  // namespace heft::tokenizer
