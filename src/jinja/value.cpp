#include "jinja/value.h"

#include <cmath>

namespace heft::jinja {

Value Object::attr(std::string_view name) {
  return Value::undefined(quoted(type_name() + " object") + " has no attribute " + quoted(name));
}

util::Result<Value> Object::call(Interpreter&, CallArgs&) {
  return util::fail(quoted(type_name()) + " object is not callable");
}

const Value* DictData::find(const Value& key) const {
  for (const auto& [k, v] : items)
    if (equals(k, key)) return &v;
  return nullptr;
}

const Value* DictData::find(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

Value* DictData::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const DictData*>(this)->find(key));
}

void DictData::set(Value key, Value value) {
  for (auto& [k, v] : items)
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  items.emplace_back(std::move(key), std::move(value));
}

Value Value::undefined(std::string reason) {
  Value v;
  if (!reason.empty()) v.v_ = Undef{std::make_shared<const std::string>(std::move(reason))};
  return v;
}

Value Value::markup(std::string s) {
  Value v;
  v.v_ = Str{std::make_shared<const std::string>(std::move(s)), true};
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.v_ = ListRef{std::make_shared<ListData>(ListData{std::move(items), false, Flavor::List, ""})};
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v;
  v.v_ = TupleRef{std::make_shared<ListData>(ListData{std::move(items), false, Flavor::List, ""})};
  return v;
}

Value Value::group(Value grouper, Value list) {
  Value v;
  v.v_ = TupleRef{std::make_shared<ListData>(ListData{{std::move(grouper), std::move(list)}, true, Flavor::List, ""})};
  return v;
}

Value Value::lazy(std::vector<Value> items, Flavor flavor, const char* origin) {
  Value v;
  v.v_ = ListRef{std::make_shared<ListData>(ListData{std::move(items), false, flavor, origin})};
  return v;
}

Flavor Value::flavor() const { return is_list() ? std::get<ListRef>(v_).p->flavor : Flavor::List; }
const char* Value::origin() const { return is_list() ? std::get<ListRef>(v_).p->origin : ""; }

bool Value::is_group() const { return is_tuple() && std::get<TupleRef>(v_).p->group; }

Value Value::make_dict(DictData d) {
  Value v;
  v.v_ = DictRef{std::make_shared<const DictData>(std::move(d))};
  return v;
}

Value Value::ns(DictData attrs) {
  Value v;
  v.v_ = NsRef{std::make_shared<DictData>(std::move(attrs))};
  return v;
}

Value Value::function(std::string name, NativeFn fn, Function::Kind kind) {
  Value v;
  v.v_ = FnRef{std::make_shared<const Function>(Function{std::move(name), kind, std::move(fn)})};
  return v;
}

Value Value::object(std::shared_ptr<Object> o) {
  Value v;
  v.v_ = ObjRef{std::move(o)};
  return v;
}

bool Value::is_callable() const {
  // Jinja2's Undefined defines __call__ (to raise), so Python calls it callable.
  return is_function() || is_undefined() || (is_object() && object().callable());
}

int64_t Value::as_int() const {
  if (is_bool()) return as_bool() ? 1 : 0;
  return std::get<int64_t>(v_);
}

double Value::as_float() const {
  if (is_float()) return std::get<double>(v_);
  return static_cast<double>(as_int());
}

std::vector<Value>& Value::items() const {
  if (is_list()) return std::get<ListRef>(v_).p->items;
  return std::get<TupleRef>(v_).p->items;
}

const DictData& Value::dict() const { return *std::get<DictRef>(v_).p; }
DictData& Value::ns_attrs() const { return *std::get<NsRef>(v_).p; }

const std::string& Value::undefined_reason() const {
  static const std::string kEmpty;
  const auto& u = std::get<Undef>(v_);
  return u.reason ? *u.reason : kEmpty;
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::Undefined: case Kind::None: return false;
    case Kind::Bool: return as_bool();
    case Kind::Int: return as_int() != 0;
    case Kind::Float: return as_float() != 0.0;
    case Kind::String: return !str().empty();
    case Kind::List: case Kind::Tuple: return is_lazy() || !items().empty();
    case Kind::Dict: return !dict().items.empty();
    default: return true;
  }
}

namespace {
Value deep_copy_at(const Value& v, int depth) {
  if (depth > 200) return v;  // a namespace that holds itself stays shared below this
  switch (v.kind()) {
    case Value::Kind::List: case Value::Kind::Tuple: {
      std::vector<Value> items;
      items.reserve(v.items().size());
      for (const auto& x : v.items()) items.push_back(deep_copy_at(x, depth + 1));
      if (v.is_group()) return Value::group(items[0], items[1]);
      if (v.flavor() != Flavor::List) {
        return Value::lazy(std::move(items), v.flavor(), v.origin());
      }
      return v.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case Value::Kind::Dict: case Value::Kind::Namespace: {
      DictData d;
      const DictData& src = v.is_dict() ? v.dict() : v.ns_attrs();
      d.items.reserve(src.items.size());
      for (const auto& [k, x] : src.items) d.items.emplace_back(k, deep_copy_at(x, depth + 1));
      return v.is_dict() ? Value::make_dict(std::move(d)) : Value::ns(std::move(d));
    }
    default: return v;
  }
}
}  // namespace

Value deep_copy(const Value& v) { return deep_copy_at(v, 0); }

bool Value::same_object(const Value& o) const {
  if (kind() != o.kind()) return false;
  switch (kind()) {
    case Kind::List: return std::get<ListRef>(v_).p == std::get<ListRef>(o.v_).p;
    case Kind::Tuple: return std::get<TupleRef>(v_).p == std::get<TupleRef>(o.v_).p;
    case Kind::Dict: return std::get<DictRef>(v_).p == std::get<DictRef>(o.v_).p;
    case Kind::Namespace: return std::get<NsRef>(v_).p == std::get<NsRef>(o.v_).p;
    case Kind::Function: return std::get<FnRef>(v_).p == std::get<FnRef>(o.v_).p;
    case Kind::Object: return std::get<ObjRef>(v_).p == std::get<ObjRef>(o.v_).p;
    case Kind::String: return std::get<Str>(v_).s == std::get<Str>(o.v_).s;
    default: return equals(*this, o);
  }
}

namespace {
bool equals_at(const Value& a, const Value& b, int depth) {
  using K = Value::Kind;
  if (depth > 200) return false;  // self-containing values stop here
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  if (a.flavor() != Flavor::List || b.flavor() != Flavor::List) return a.same_object(b);  // generators, views
  switch (a.kind()) {
    case K::Undefined: case K::None: return true;
    case K::String: return a.str() == b.str();
    case K::List: case K::Tuple: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals_at(x[i], y[i], depth + 1)) return false;
      return true;
    }
    case K::Dict: case K::Namespace: {
      const DictData& x = a.is_dict() ? a.dict() : a.ns_attrs();
      const DictData& y = b.is_dict() ? b.dict() : b.ns_attrs();
      if (a.is_namespace()) return a.same_object(b);  // no __eq__: identity
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* o = y.find(k);
        if (!o || !equals_at(v, *o, depth + 1)) return false;
      }
      return true;
    }
    default: return a.same_object(b);
  }
}
}  // namespace

bool equals(const Value& a, const Value& b) {
  return equals_at(a, b, 0);
}

util::Result<int> compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      double x = a.as_float(), y = b.as_float();
      return x < y ? -1 : x > y ? 1 : 0;  // NaN compares equal here; Python gives False for all
    }
    int64_t x = a.as_int(), y = b.as_int();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.str().compare(b.str());  // UTF-8 byte order is code point order
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if ((a.is_list() && b.is_list() && a.is_plain_sequence() && b.is_plain_sequence()) || (a.is_tuple() && b.is_tuple())) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equals(x[i], y[i])) continue;
      return compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  return util::fail("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

std::string type_name(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::Undefined: return "Undefined";
    case K::None: return "NoneType";
    case K::Bool: return "bool";
    case K::Int: return "int";
    case K::Float: return "float";
    case K::String: return v.is_safe() ? "Markup" : "str";
    case K::List:
      switch (v.flavor()) {
        case Flavor::Generator: return "generator";
        case Flavor::Iterator: return "list_reverseiterator";
        case Flavor::DictKeys: return "dict_keys";
        case Flavor::DictValues: return "dict_values";
        case Flavor::DictItems: return "dict_items";
        default: return "list";
      }
    case K::Tuple: return "tuple";
    case K::Dict: return "dict";
    case K::Namespace: return "Namespace";
    case K::Function: return v.function().kind == Function::Kind::Macro ? "Macro" : "function";
    case K::Object: return v.object().type_name();
  }
  return "object";
}

}  // namespace heft::jinja
