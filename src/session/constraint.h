#pragma once
// Grammars for generation over a model's vocabulary: from GBNF text
// (--grammar-file), a JSON Schema (--json-schema, response_format) or "any
// JSON object".
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/token_mask.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::session {

// The vocabulary as grammars see it: each token's bytes; control and unused
// tokens only through token references; end-of-generation tokens apart.
// Built once per model (a few tens of milliseconds for 150k tokens).
std::shared_ptr<const grammar::VocabIndex> build_vocab_index(const tokenizer::Tokenizer& tok);

// A fresh constraint (its caches are per generation) for GBNF text; token
// references by text (<|python_tag|>) are looked up in `tok`.
util::Result<std::shared_ptr<grammar::TokenConstraint>> constraint_from_gbnf(
    std::string_view gbnf, const tokenizer::Tokenizer& tok, std::shared_ptr<const grammar::VocabIndex> vocab);

// What the command line names: --grammar-file FILE.gbnf or --json-schema FILE (or
// the schema itself when the argument starts with '{').
struct GrammarFlags {
  std::string grammar_file;
  std::string json_schema;
  bool strict = true;  // false: unsupported schema keywords are skipped and listed
};
// GBNF text for the flags; empty when neither is given. `unsupported` receives
// the keywords skipped when not strict.
util::Result<std::string> grammar_text(const GrammarFlags& f, std::vector<std::string>* unsupported = nullptr);

// A parsed grammar, shared by the constraints of many generations. Without a
// tokenizer, token references by text are an error.
util::Result<std::shared_ptr<const grammar::Grammar>> parse_grammar(std::string_view gbnf,
                                                                   const tokenizer::Tokenizer* tok = nullptr);

}  // namespace heft::session
