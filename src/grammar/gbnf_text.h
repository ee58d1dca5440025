#pragma once
// Writing GBNF text: quoted literals, character classes and a table of named
// rules (deduplicated by body, kept in the order they were first defined, so
// the same input always gives the same grammar text).
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grammar/char_set.h"

namespace heft::grammar {

// "text" with GBNF escapes (\" \\ \n \r \t, \xHH for other controls); other
// code points are written as they are (UTF-8).
std::string gbnf_literal(std::string_view utf8);
// [a-z] or [^...] (whichever is shorter) for a non-empty set.
std::string gbnf_class(const CharSet& set);
// A rule name from free text: [a-zA-Z0-9-] only, never empty, and never
// "<name>-<digits>" (the form of the rules a GBNF parser generates).
std::string gbnf_name(std::string_view text);

class GbnfRules {
 public:
  // A fresh name starting with `base` (base, base2, base3...), reserved for define().
  std::string reserve(std::string_view base);
  void define(const std::string& name, std::string body);
  // A rule with this body: an existing one with the same body, or a new one named after `base`.
  std::string add(std::string_view base, std::string body);
  bool has(const std::string& name) const { return bodies_.count(name) != 0; }  // defined

  size_t count() const { return order_.size(); }
  size_t bytes() const { return bytes_; }  // the text, plus what repetitions expand to
  std::string text() const;  // "name ::= body\n" per rule, in definition order

 private:
  std::map<std::string, std::string> bodies_;  // name → body, once defined
  std::set<std::string> taken_;                // reserved or defined
  std::map<std::string, std::string> by_body_;
  std::map<std::string, size_t> next_suffix_;
  std::vector<std::string> order_;
  size_t bytes_ = 0;
};

}  // namespace heft::grammar
