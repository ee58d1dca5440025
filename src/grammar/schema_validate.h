#pragma once
// Deciding JSON Schema questions on values rather than grammars: whether a
// value is valid (to keep the enum/const values the rest of a schema allows)
// and whether two schemas provably share no value (what makes a oneOf a
// plain choice). Both follow exactly the keywords the compiler enforces.
#include "grammar/schema_facts.h"

namespace heft::grammar {

util::Result<bool> validate(SchemaContext& ctx, const util::Json& value, const Conj& conj);
// The same with the conjunction's facts already merged; its enum/const is not
// checked again (for filtering those very values).
util::Result<bool> validate_listed(SchemaContext& ctx, const util::Json& value, const Conj& conj, const Facts& facts);

// True when no value is valid under both (false: they may overlap).
util::Result<bool> disjoint(SchemaContext& ctx, const Conj& a, const Conj& b);

}  // namespace heft::grammar
