#pragma once
// What the JSON Schema compiler knows about its input documents: where each
// subschema is (document + JSON pointer), how a `$ref` resolves, which draft
// a document declares, and how a keyword heft cannot enforce is reported (an
// error when strict, otherwise an entry in the unsupported list).
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/char_automaton.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::grammar {

// One subschema: a document and a JSON pointer into it ("" is the root).
struct Loc {
  uint32_t doc = 0;
  std::string ptr;
  Loc child(std::string_view token) const;  // ptr + "/" + escaped token
  Loc child(size_t index) const { return child(std::to_string(index)); }
  bool operator==(const Loc&) const = default;
  auto operator<=>(const Loc&) const = default;
};

class SchemaContext {
 public:
  explicit SchemaContext(bool strict) : strict_(strict) {}

  // Takes a copy of a schema document; returns its index.
  uint32_t add_document(const util::Json& root);
  const util::Json* at(const Loc& loc) const;
  // Drafts 4, 6 and 7 ignore the keywords beside a $ref; 2019-09 and later
  // (and documents without $schema) apply them.
  bool ref_ignores_siblings(uint32_t doc) const;
  // The subschema a `$ref` at `loc` names. Refs to other documents are
  // refused (nullopt when not strict: the ref then constrains nothing).
  util::Result<std::optional<Loc>> resolve_ref(const Loc& loc, const std::string& ref);

  // A schema the compiler makes up (as for dependencies: "property x absent"),
  // stored once per text as a document of its own.
  Loc synthetic(const util::Json& schema);

  // A keyword heft cannot enforce at `at` (the keyword's own location):
  // strict → "unsupported keyword 'kw' at /ptr[: detail]"; otherwise
  // "kw at /ptr" is listed once and the caller goes on without it.
  util::Result<void> unsupported(std::string_view keyword, const Loc& at, std::string_view detail = {});
  const std::vector<std::string>& unsupported_list() const { return unsupported_; }
  bool strict() const { return strict_; }

  // The automaton for a pattern (cached); errors say what the pattern uses that heft cannot enforce.
  util::Result<const Dfa*> pattern_dfa(const std::string& pattern);

 private:
  struct Document {
    util::Json root;
    int draft = 0;                              // 4, 6, 7, 2019, 2020; 0 when not declared
    std::string base;                           // the root's $id without its fragment
    std::map<std::string, std::string> anchors;  // anchor name → pointer
    bool embedded_resources = false;            // a subschema has its own $id
  };
  void scan(Document& d, const util::Json& node, const std::string& ptr, int depth);

  bool strict_;
  std::deque<Document> docs_;
  std::vector<std::string> unsupported_;
  std::set<std::string> unsupported_seen_;
  std::map<std::string, uint32_t> synthetic_;
  std::map<std::string, std::unique_ptr<Dfa>> patterns_;
  std::map<std::string, std::string> pattern_errors_;
};

// "at /properties/a" or "at the root".
std::string where(const Loc& loc);

}  // namespace heft::grammar
