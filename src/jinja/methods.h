#pragma once
// Python methods a sandboxed template may call on values: every `str`
// method that returns text or a number, dict's read-only methods, and list's
// methods except the ones Jinja2's ImmutableSandboxedEnvironment refuses
// (append, extend, insert, remove, reverse, sort; dict update/pop/...).
// Like that sandbox, `list.pop()` and `list.clear()` are allowed.
#include <optional>
#include <string>
#include <string_view>

#include "jinja/value.h"

namespace heft::jinja {

class Interpreter;

bool has_method(const Value& obj, std::string_view name);
util::Result<Value> call_method(Interpreter& in, const Value& obj, std::string_view name, CallArgs& args);
// The method as a value (`x.strip` without calling it).
Value bound_method(const Value& obj, std::string_view name);
// Why `obj.name` is refused, when it is a mutating method the sandbox blocks.
std::optional<std::string> unsafe_reason(const Value& obj, std::string_view name);

}  // namespace heft::jinja
