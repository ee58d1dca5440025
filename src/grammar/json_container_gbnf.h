#pragma once
// JSON objects and arrays as GBNF state machines over their members.
//
// Objects: with up to kAnyOrderProperties declared properties the members
// may come in any order; the state is the set of declared properties written
// so far (each at most once, all required ones before "}"), so the rules
// number up to 2^kAnyOrderProperties. Past that cap the declared properties
// must come in their declaration order (undeclared ones anywhere): valid
// objects written in another order are then not accepted.
// Arrays: positional items, then the rest, counted between min and max.
//
// Whitespace: the rule kSpaceRule (which the caller defines) after { [ , :
// and before } ].
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/gbnf_text.h"
#include "util/error.h"

namespace heft::grammar {

inline constexpr size_t kAnyOrderProperties = 6;
inline constexpr std::string_view kSpaceRule = "json-space";

struct ObjectSpec {
  struct Property {
    std::string key;    // GBNF for the key's JSON text (quotes included)
    std::string value;  // GBNF for its value
    bool required = false;
  };
  std::vector<Property> properties;
  struct Other {
    std::string key, value;  // GBNF for keys other than the declared ones, and their values
  };
  std::vector<Other> others;  // undeclared members, when allowed (disjoint key sets)
  uint64_t min_members = 0;
  std::optional<uint64_t> max_members;
};

// The object's expression ("{" ... "}"), or nullopt when no object fits.
// Errors past `max_rules` rules.
util::Result<std::optional<std::string>> object_gbnf(GbnfRules& rules, std::string_view base, const ObjectSpec& spec,
                                                     size_t max_rules);

struct ArraySpec {
  std::vector<std::string> prefix;  // the items at the first positions
  std::optional<std::string> rest;  // every later item; none: no more items
  uint64_t min_items = 0;
  std::optional<uint64_t> max_items;
};

std::optional<std::string> array_gbnf(GbnfRules& rules, std::string_view base, const ArraySpec& spec);

// item{lo,hi} (hi missing: unbounded) within GBNF parsers' limit of 2000
// repetitions per operator; "" when lo = hi = 0.
std::string gbnf_repeat(const std::string& item, uint64_t lo, std::optional<uint64_t> hi);

}  // namespace heft::grammar
