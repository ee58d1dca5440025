#include "jinja/arguments.h"

#include <string>

namespace heft::jinja {

util::Result<std::vector<Value>> bind(std::string_view function, const CallArgs& args,
                                      std::initializer_list<ArgSpec> params) {
  std::string fn(function);
  if (args.positional.size() > params.size())
    return util::fail(fn + "() takes at most " + std::to_string(params.size()) + " argument(s) (" +
                      std::to_string(args.positional.size()) + " given)");
  std::vector<Value> out;
  std::vector<bool> given;
  for (const auto& p : params) {
    out.push_back(p.default_value.value_or(Value()));
    given.push_back(false);
  }
  for (size_t i = 0; i < args.positional.size(); ++i) out[i] = args.positional[i], given[i] = true;
  for (const auto& [name, v] : args.keyword) {
    size_t i = 0;
    for (const auto& p : params) {
      if (p.name == name) break;
      ++i;
    }
    if (i == params.size()) return util::fail(fn + "() got an unexpected keyword argument '" + name + "'");
    if (given[i]) return util::fail(fn + "() got multiple values for argument '" + name + "'");
    out[i] = v;
    given[i] = true;
  }
  size_t i = 0;
  for (const auto& p : params) {
    if (!given[i] && !p.default_value)
      return util::fail(fn + "() missing required argument '" + std::string(p.name) + "'");
    ++i;
  }
  return out;
}

util::Result<int64_t> int_arg(std::string_view function, std::string_view param, const Value& v) {
  if (v.is_integral()) return v.as_int();
  return util::fail(std::string(function) + "(): '" + std::string(param) + "' must be an integer, not " + type_name(v));
}

util::Result<std::string> str_arg(std::string_view function, std::string_view param, const Value& v) {
  if (v.is_string()) return v.str();
  return util::fail(std::string(function) + "(): '" + std::string(param) + "' must be a string, not " + type_name(v));
}

}  // namespace heft::jinja
