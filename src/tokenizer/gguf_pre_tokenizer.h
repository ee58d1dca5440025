#pragma once
// The pre-tokenizers llama.cpp applies to GGUF byte-level BPE vocabularies,
// chosen by `tokenizer.ggml.pre`: a list of regexes applied one after the
// other, each splitting every piece into its matches and the text between
// them. The name table and regexes follow llama.cpp's llama-vocab.cpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/regex.h"
#include "util/error.h"

namespace heft::tokenizer {

struct GgufPreConfig {
  std::string type;                 // canonical name (llama.cpp's pre-type), e.g. "llama3"
  std::vector<std::string> regexes;
  RegexDialect dialect = RegexDialect::Ecma;
  bool byte_encode = true;          // GPT-2 byte alphabet (false: raw UTF-8 + <0xNN> fallback)
  bool ignore_merges = false;
  bool clean_spaces = true;         // detokenize's clean-up of " ." " ," ...
  bool escape_whitespaces = false;  // spaces become U+2581 before splitting
  std::optional<bool> add_bos;      // default when the GGUF has no add_bos_token
  bool add_sep = false;
  bool bos_none = false;            // glm4: no default BOS
};

// Unknown names are an error, as in llama.cpp. An empty name means "default".
util::Result<GgufPreConfig> gguf_pre_config(std::string_view pre);
// One tokenizer.ggml.pre value llama.cpp accepts for each pre-tokenizer it knows, in table order.
std::vector<std::string> gguf_pre_names();

class GgufPreTokenizer {
 public:
  static util::Result<GgufPreTokenizer> build(const GgufPreConfig& cfg);
  // Words in order; byte-encoded into the GPT-2 alphabet when configured.
  std::vector<std::string> split(std::string_view text) const;

 private:
  struct Stage {
    Regex regex;
    bool non_ascii_literal = false;  // llama.cpp matches these with std::wregex on a whitespace-mapped text
  };
  std::vector<Stage> stages_;
  bool byte_encode_ = true;
};

}  // namespace heft::tokenizer
