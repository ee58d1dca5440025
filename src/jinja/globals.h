#pragma once
// The functions every template sees: Jinja2's range, dict, namespace,
// joiner and cycler, and the two transformers adds, raise_exception and
// strftime_now. Render variables with the same names take precedence.
#include "jinja/interpreter.h"

namespace heft::jinja {

// Jinja2's sandbox refuses range() results longer than this.
constexpr int64_t kMaxRange = 100000;

void add_globals(Vars& globals);

}  // namespace heft::jinja
