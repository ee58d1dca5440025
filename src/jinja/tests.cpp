#include "jinja/tests.h"

#include <cmath>

#include "jinja/arguments.h"
#include "jinja/filters.h"
#include "jinja/interpreter.h"
#include "jinja/operators.h"
#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

using util::Result;

Result<bool> no_args(std::string_view name, CallArgs& args) {
  HEFT_TRY(bind(name, args, {}));
  return true;
}

#define TEST_NO_ARGS(fn, name, expr)                           \
  Result<bool> fn(Interpreter&, const Value& v, CallArgs& a) { \
    HEFT_TRY(no_args(name, a));                                \
    return (expr);                                             \
  }

TEST_NO_ARGS(t_boolean, "boolean", v.is_bool())
TEST_NO_ARGS(t_callable, "callable", v.is_callable())
TEST_NO_ARGS(t_defined, "defined", !v.is_undefined())
TEST_NO_ARGS(t_undefined, "undefined", v.is_undefined())
TEST_NO_ARGS(t_escaped, "escaped", v.is_safe())
TEST_NO_ARGS(t_false, "false", v.is_bool() && !v.as_bool())
TEST_NO_ARGS(t_true, "true", v.is_bool() && v.as_bool())
TEST_NO_ARGS(t_float, "float", v.is_float())
TEST_NO_ARGS(t_integer, "integer", v.is_int())
TEST_NO_ARGS(t_none, "none", v.is_none())
TEST_NO_ARGS(t_number, "number", v.is_number())
TEST_NO_ARGS(t_string, "string", v.is_string())
TEST_NO_ARGS(t_mapping, "mapping", v.is_dict())
// iter() works on str, list, tuple, dict, and (yielding nothing) Undefined.
TEST_NO_ARGS(t_iterable, "iterable", v.is_string() || v.is_sequence() || v.is_dict() || v.is_undefined())
// len() and [] both exist: str, list, tuple, dict, and Undefined (not generators or dict views).
TEST_NO_ARGS(t_sequence, "sequence", v.is_string() || v.is_plain_sequence() || v.is_dict() || v.is_undefined())

Result<bool> t_lower(Interpreter& in, const Value& v, CallArgs& a) {
  HEFT_TRY(no_args("lower", a));
  std::string s = HEFT_TRY(in.str(v));
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    if (unicode::is_upper(c)) return false;
    cased = cased || unicode::is_lower(c);
  }
  return cased;
}

Result<bool> t_upper(Interpreter& in, const Value& v, CallArgs& a) {
  HEFT_TRY(no_args("upper", a));
  std::string s = HEFT_TRY(in.str(v));
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    if (unicode::is_lower(c)) return false;
    cased = cased || unicode::is_upper(c);
  }
  return cased;
}

Result<bool> parity(const Value& v, CallArgs& a, const char* name, int want) {
  HEFT_TRY(no_args(name, a));
  if (v.is_integral()) return ((v.as_int() % 2) + 2) % 2 == want;
  if (v.is_float()) {
    double m = std::fmod(v.as_float(), 2.0);
    if (m < 0) m += 2.0;
    return m == want;
  }
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  return util::fail("unsupported operand type(s) for %: '" + type_name(v) + "' and 'int'");
}
Result<bool> t_odd(Interpreter&, const Value& v, CallArgs& a) { return parity(v, a, "odd", 1); }
Result<bool> t_even(Interpreter&, const Value& v, CallArgs& a) { return parity(v, a, "even", 0); }

Result<bool> t_divisibleby(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("divisibleby", args, {{"num", std::nullopt}}));
  Value r = HEFT_TRY(binary_op(in, "%", v, a[0]));
  return !r.truthy();
}

Result<Value> one_arg(std::string_view name, CallArgs& args) {
  auto a = HEFT_TRY(bind(name, args, {{"other", std::nullopt}}));
  return a[0];
}

Result<bool> t_eq(Interpreter&, const Value& v, CallArgs& a) { return equals(v, HEFT_TRY(one_arg("eq", a))); }
Result<bool> t_ne(Interpreter&, const Value& v, CallArgs& a) { return !equals(v, HEFT_TRY(one_arg("ne", a))); }

Result<bool> ordered(const Value& v, CallArgs& args, const char* name, int want_sign, bool or_equal) {
  Value other = HEFT_TRY(one_arg(name, args));
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  if (other.is_undefined()) return std::unexpected(undefined_error(other));
  int c = HEFT_TRY(compare(v, other));
  return (or_equal && c == 0) || (c != 0 && (c > 0) == (want_sign > 0));
}
Result<bool> t_lt(Interpreter&, const Value& v, CallArgs& a) { return ordered(v, a, "lt", -1, false); }
Result<bool> t_le(Interpreter&, const Value& v, CallArgs& a) { return ordered(v, a, "le", -1, true); }
Result<bool> t_gt(Interpreter&, const Value& v, CallArgs& a) { return ordered(v, a, "gt", 1, false); }
Result<bool> t_ge(Interpreter&, const Value& v, CallArgs& a) { return ordered(v, a, "ge", 1, true); }

Result<bool> t_in(Interpreter&, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("in", args, {{"seq", std::nullopt}}));
  return contains(a[0], v);
}

// Python `is`: identity. None/True/False are singletons, small ints are cached, containers compare by object.
Result<bool> t_sameas(Interpreter&, const Value& v, CallArgs& args) {
  Value other = HEFT_TRY(one_arg("sameas", args));
  if (v.is_none() || v.is_bool() || v.is_undefined()) return v.kind() == other.kind() && equals(v, other);
  if (v.is_int() && other.is_int()) return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
  return v.same_object(other);
}

Result<bool> t_filter(Interpreter&, const Value& v, CallArgs& a) {
  HEFT_TRY(no_args("filter", a));
  return v.is_string() && find_filter(v.str()) != nullptr;
}

Result<bool> t_test(Interpreter&, const Value& v, CallArgs& a) {
  HEFT_TRY(no_args("test", a));
  return v.is_string() && find_test(v.str()) != nullptr;
}

struct Entry {
  std::string_view name;
  TestFn fn;
};

constexpr Entry kTests[] = {
    {"boolean", t_boolean}, {"callable", t_callable}, {"defined", t_defined}, {"divisibleby", t_divisibleby},
    {"eq", t_eq}, {"equalto", t_eq}, {"==", t_eq}, {"escaped", t_escaped}, {"even", t_even}, {"false", t_false},
    {"filter", t_filter}, {"float", t_float}, {"ge", t_ge}, {">=", t_ge}, {"gt", t_gt}, {">", t_gt},
    {"greaterthan", t_gt}, {"in", t_in}, {"integer", t_integer}, {"iterable", t_iterable}, {"le", t_le},
    {"<=", t_le}, {"lower", t_lower}, {"lt", t_lt}, {"<", t_lt}, {"lessthan", t_lt}, {"mapping", t_mapping},
    {"ne", t_ne}, {"!=", t_ne}, {"none", t_none}, {"number", t_number}, {"odd", t_odd}, {"sameas", t_sameas},
    {"sequence", t_sequence}, {"string", t_string}, {"test", t_test}, {"true", t_true},
    {"undefined", t_undefined}, {"upper", t_upper},
};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& e : kTests)
    if (e.name == name) return e.fn;
  return nullptr;
}

}  // namespace heft::jinja
