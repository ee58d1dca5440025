#pragma once
// Python's string formatting as templates use it: `"%s: %d" % (a, b)` and
// `"{} {name}".format(...)`.
#include <string_view>

#include "jinja/value.h"

namespace heft::jinja {

class Interpreter;

util::Result<std::string> percent_format(Interpreter& in, std::string_view fmt, const Value& args);
util::Result<std::string> brace_format(Interpreter& in, std::string_view fmt, const CallArgs& args);

}  // namespace heft::jinja
