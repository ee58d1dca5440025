#pragma once
// JSON (messages, tools, --context files) to template values and back:
// objects become dicts (key order kept), arrays lists, numbers int or float.
#include "jinja/value.h"
#include "util/json.h"

namespace heft::jinja {

Value from_json(const util::Json& j);

// For values that came from JSON or template literals; fails on functions,
// namespaces and other values JSON cannot hold.
util::Result<util::Json> to_json_value(const Value& v);

}  // namespace heft::jinja
