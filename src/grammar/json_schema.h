#pragma once
// JSON Schema (draft 2020-12 and draft-07/04 spellings) → GBNF text that
// matches exactly the JSON texts the schema accepts (compact JSON, with
// bounded optional whitespace after punctuation), or a refusal that names the
// keyword and its JSON pointer. heft's rule: what is accepted is enforced on
// every token; what cannot be enforced is refused (unless strict is off, when
// it is listed in `unsupported` and the rest is still enforced).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "util/json.h"

namespace heft::grammar {

struct SchemaOptions {
  bool strict = true;  // false: unsupported keywords are listed, not refused
};

// Builds rules for one or more schemas into one grammar (tool calls combine
// several argument schemas with their family's wrapper text).
class SchemaCompiler {
 public:
  explicit SchemaCompiler(SchemaOptions opt = {});
  ~SchemaCompiler();
  SchemaCompiler(SchemaCompiler&&) noexcept;
  SchemaCompiler& operator=(SchemaCompiler&&) noexcept;

  // Adds the rules matching `schema` (a whole JSON value, no surrounding
  // whitespace); returns the name of its top rule. `name_hint` prefixes the
  // generated rule names ([a-zA-Z0-9-] only). Errors: "unsupported keyword
  // 'not' at /properties/a/not" and the like.
  util::Result<std::string> add(const util::Json& schema, std::string_view name_hint);
  // Every rule added so far, one per line ("name ::= ..."), without a root rule.
  std::string rules() const;
  // "keyword at /pointer" for each keyword skipped because strict is off.
  const std::vector<std::string>& unsupported() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SchemaGrammar {
  std::string gbnf;                      // a whole grammar with its `root` rule
  std::vector<std::string> unsupported;  // as SchemaCompiler::unsupported()
};

// The whole grammar for one schema: root ::= <the schema's rule>.
util::Result<SchemaGrammar> schema_to_gbnf(const util::Json& schema, const SchemaOptions& opt = {});

// response_format {"type": "json_object"}: any JSON object.
std::string json_object_gbnf();

}  // namespace heft::grammar
