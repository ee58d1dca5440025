#pragma once
// Jinja2's built-in filters (and transformers' `tojson`), with Python's
// semantics. Filters that return generators in Python (map, select, batch,
// reverse on a list...) return lists here: they print differently with
// {{ }} (Python shows "<generator object ...>") but behave the same in loops,
// joins and `tojson`, which is how templates use them.
#include <string_view>

#include "jinja/value.h"

namespace heft::jinja {

class Interpreter;

using FilterFn = util::Result<Value> (*)(Interpreter&, const Value&, CallArgs&);

// nullptr when there is no such filter.
FilterFn find_filter(std::string_view name);

}  // namespace heft::jinja
