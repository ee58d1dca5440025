#pragma once
// Binds a call's positional and keyword arguments to a built-in's parameters,
// the way a Python signature would, with defaults for what was left out.
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "jinja/value.h"

namespace heft::jinja {

struct ArgSpec {
  std::string_view name;
  std::optional<Value> default_value;  // nullopt: required
};

// Values in parameter order. Errors name `function` ("unexpected keyword argument 'x'").
util::Result<std::vector<Value>> bind(std::string_view function, const CallArgs& args,
                                      std::initializer_list<ArgSpec> params);

// Shorthands for argument checks with Python-like messages.
util::Result<int64_t> int_arg(std::string_view function, std::string_view param, const Value& v);
util::Result<std::string> str_arg(std::string_view function, std::string_view param, const Value& v);

}  // namespace heft::jinja
