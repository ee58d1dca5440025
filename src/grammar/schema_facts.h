#pragma once
// A schema as the compiler sees it: a conjunction of subschemas ($ref, allOf
// and their siblings flattened into one list), with anyOf/oneOf kept as
// groups to choose a branch from; and the facts that conjunction states
// about each JSON type, merged across its members (tightest bounds, all
// patterns, the intersection of types and enums...).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grammar/json_string_gbnf.h"
#include "grammar/number_gbnf.h"
#include "grammar/schema_context.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::grammar {

enum TypeBit : uint8_t {
  kNullType = 1,
  kBoolType = 2,
  kObjectType = 4,
  kArrayType = 8,
  kStringType = 16,
  kIntegerType = 32,   // numbers with an integer value
  kFractionType = 64,  // numbers without
};
inline constexpr uint8_t kAnyType = 127;

// Larger minLength/maxLength/minItems/maxItems/minProperties/maxProperties
// are refused: each unit of a count becomes grammar rules.
inline constexpr uint64_t kMaxCount = 10000;

// A choice among subschemas still to make: an anyOf/oneOf array, or one
// dependencies/dependentRequired/dependentSchemas entry.
struct Choice {
  enum Kind : uint8_t { AnyOf, OneOf, Dependency };
  Loc at;
  Kind kind = AnyOf;
  bool operator==(const Choice&) const = default;
};

struct Conj {
  std::vector<Loc> plain;      // every keyword of these applies ($ref and allOf already followed)
  std::vector<Choice> groups;  // choices still to make
  bool never = false;       // a `false` schema is among them
  std::string key() const;  // the same for the same sets, whatever the order
};

// Adds the subschema at `loc` to `conj`, following $ref and allOf.
util::Result<void> flatten(SchemaContext& ctx, Conj& conj, const Loc& loc);

// A choice's branches, each the subschemas to add for it: an anyOf/oneOf's
// items; for a dependency on property x, "x absent" or "x present and the
// dependency holds".
util::Result<std::vector<std::vector<Loc>>> choice_branches(SchemaContext& ctx, const Choice& choice);

struct Facts {
  bool never = false;
  uint8_t types = kAnyType;
  std::optional<std::vector<util::Json>> values;  // enum/const: only these

  uint32_t min_length = 0, max_length = kNoMaxLength;
  std::vector<std::pair<std::string, Loc>> patterns;  // the regex, and where the keyword is
  std::vector<std::pair<std::string, Loc>> formats;   // string formats heft enforces

  std::optional<NumberBound> lo, hi;
  Loc lo_at, hi_at;
  std::optional<Loc> not_integer_at;  // a `not` that leaves only non-integer numbers
  std::vector<std::pair<SignedDecimal, Loc>> multiples;  // multipleOf values not implied by the type

  std::vector<Loc> object_members;  // members with properties/patternProperties/additionalProperties
  std::vector<std::string> declared, required;
  uint64_t min_properties = 0;
  std::optional<uint64_t> max_properties;
  Loc min_properties_at, max_properties_at;

  std::vector<Loc> array_members;  // members with items/prefixItems/additionalItems
  uint64_t min_items = 0;
  std::optional<uint64_t> max_items;
  std::optional<Loc> unique_items_at;  // uniqueItems: true
};

// The facts of the conjunction's plain members (its groups are not looked at).
util::Result<Facts> merge(SchemaContext& ctx, const Conj& conj);

// The members' patternProperties, in order: the pattern and its subschema.
std::vector<std::pair<std::string, Loc>> property_patterns(SchemaContext& ctx, const Facts& f);

// What the members say about one property; about an undeclared one that
// exactly the patterns in `matched` (indices into property_patterns) match;
// about one array position (positions past every prefix get the rest).
util::Result<Conj> property_conj(SchemaContext& ctx, const Facts& f, const std::string& name);
util::Result<Conj> other_property_conj(SchemaContext& ctx, const Facts& f, const std::vector<bool>& matched);
size_t prefix_length(SchemaContext& ctx, const Facts& f);
util::Result<Conj> item_conj(SchemaContext& ctx, const Facts& f, size_t index);

// JSON Schema equality: numbers by value, objects whatever their key order.
bool json_equal(const util::Json& a, const util::Json& b);
uint8_t type_bit(const util::Json& v);

}  // namespace heft::grammar
