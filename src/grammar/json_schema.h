#pragma once
// JSON Schema (draft 2020-12 and draft-07/04 spellings) → GBNF text that
// matches exactly the JSON texts the schema accepts (compact JSON, with
// bounded optional whitespace after punctuation), or a refusal that names the
// keyword and its JSON pointer. heft's rule: what is accepted is enforced on
// every token; what cannot be enforced is refused (unless strict is off, when
// it is listed in `unsupported` and the rest is still enforced, so the
// grammar then accepts more than the schema).
//
// The texts: JSON with whitespace only after { [ , : and before } ]
// (json-space: "", " ", or a newline and up to 20 spaces/tabs) and none
// around the top-level value. Strings take every character JSON allows raw,
// DEL included (JSON.stringify writes it raw; llama.cpp's json-schema-to-
// grammar leaves it out). Every valid value is accepted as
// JSON.stringify writes it except where noted below; other spellings of
// valid values may not be:
//   - constrained strings (pattern, format, length, enum, keys beside declared
//     ones) take each character in JSON.stringify's one form (raw, \" \\ \b
//     \f \n \r \t, \u00xx for other controls): "\u0061" is not "a" there;
//   - integers take no fraction or exponent below 1e21 ("1.0", "1e2" are
//     not integers here) and d.ddde+N from 1e21 on, as JSON.stringify writes
//     them, unless a finite bound lies beyond 1e21 (number_gbnf.h); multipleOf
//     takes no exponent, so its values from 1e21 on are not accepted; bounded
//     numbers take plain decimals and d.ddde±N beyond 1e21 / below 1e-6;
//   - a declared property appears at most once; with more than
//     kAnyOrderProperties (6, json_container_gbnf.h) declared properties they
//     must come in declaration order (undeclared ones anywhere);
//   - a leap second only as 23:59:60 in UTC (schema_formats.h).
//
// Enforced: type (and arrays of types), enum, const (objects in any key
// order), boolean schemas, properties, required, additionalProperties
// (default true: undeclared keys, never equal to a declared name, with any
// value), patternProperties (up to 4 patterns), maxProperties, minProperties
// (exact only when no undeclared key can repeat: refused past 1 otherwise),
// items / prefixItems / draft-04 tuple items with additionalItems,
// minItems/maxItems (up to 10000), uniqueItems false (true only with
// maxItems <= 1), minLength/maxLength in code points (up to 10000), pattern
// (the regular ECMA-262 subset in regex.h), format date, time, date-time,
// uuid, email, ipv4 (and int32/int64/float/double on numbers),
// minimum/maximum/exclusive* (draft-04 booleans and numbers, decimal values
// compared exactly), multipleOf (integer divisors of any size, decimals down
// to 1e-6; with bounds only at 0), allOf (merged: types intersect, properties
// merge per name, patterns intersect), anyOf, oneOf whose branches are
// provably disjoint (types, values, number ranges, a required property with
// disjoint values), not of a type, dependencies / dependentRequired /
// dependentSchemas, $ref to this document (#, #/json/pointer with ~0 ~1 and
// %-escapes, anchors, the root's own $id; recursion becomes recursive rules;
// drafts 4-7 ignore a $ref's siblings, later drafts and documents without
// $schema apply them), nullable (OpenAPI: adds null, also to an enum).
// Annotations are ignored, as are keywords no draft defines.
// Refused: not (other than of types), if/then/else, propertyNames, contains,
// unevaluated*, $dynamicRef/$recursiveRef, remote $refs and documents whose
// subschemas have their own $id, other formats, uniqueItems true, oneOf with
// overlapping branches, patterns with lookaround, backreferences, \b or \p.
//
// Untrusted input: the grammar is capped at 100000 rules and 768 KiB (counting
// what repetitions expand to), the compiler follows 128 levels of nesting and
// 20000 subschema combinations (anyOf branches multiply), and patterns and
// their combinations stop at 4000 automaton states; past these the schema is
// refused.
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
  // 'not' at /properties/a/not" and the like; a failed add leaves the rules
  // as they were. Rules named json-* (json-space, json-value...) are shared
  // by every schema added.
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
