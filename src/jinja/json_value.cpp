#include "jinja/json_value.h"

#include "jinja/format.h"

namespace heft::jinja {

Value from_json(const util::Json& j) {
  using K = util::Json::Kind;
  switch (j.kind()) {
    case K::Null: return Value::none();
    case K::Bool: return Value(j.as_bool());
    case K::Int: return Value(j.as_int());
    case K::UInt: return Value(static_cast<double>(j.as_uint()));  // beyond int64: Python would keep an int
    case K::Double: return Value(j.as_double());
    case K::String: return Value(j.as_string());
    case K::Array: {
      std::vector<Value> items;
      items.reserve(j.as_array().size());
      for (const auto& x : j.as_array()) items.push_back(from_json(x));
      return Value::list(std::move(items));
    }
    case K::Object: {
      DictData d;
      d.items.reserve(j.as_object().size());
      for (const auto& [k, v] : j.as_object()) d.set(Value(k), from_json(v));
      return Value::make_dict(std::move(d));
    }
  }
  return Value::none();
}

util::Result<util::Json> to_json_value(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::None: return util::Json();
    case Value::Kind::Bool: return util::Json(v.as_bool());
    case Value::Kind::Int: return util::Json(v.as_int());
    case Value::Kind::Float: return util::Json(v.as_float());
    case Value::Kind::String: return util::Json(v.str());
    case Value::Kind::List: case Value::Kind::Tuple: {
      util::Json a = util::Json::array();
      for (const auto& x : v.items()) a.push_back(HEFT_TRY(to_json_value(x)));
      return a;
    }
    case Value::Kind::Dict: {
      util::Json o = util::Json::object();
      for (const auto& [k, x] : v.dict().items) o.set(k.is_string() ? k.str() : to_str(k), HEFT_TRY(to_json_value(x)));
      return o;
    }
    default: return util::fail("a " + type_name(v) + " cannot be written as JSON");
  }
}

}  // namespace heft::jinja
