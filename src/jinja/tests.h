#pragma once
// Jinja2's built-in tests (`x is defined`, `x is divisibleby 3`, ...), with
// Python's answers, e.g. an Undefined is iterable and a dict is a sequence.
#include <string_view>

#include "jinja/value.h"

namespace heft::jinja {

class Interpreter;

using TestFn = util::Result<bool> (*)(Interpreter&, const Value&, CallArgs&);

// nullptr when there is no such test.
TestFn find_test(std::string_view name);

}  // namespace heft::jinja
