#include "jinja/operators.h"

#include <cmath>
#include <limits>

#include "jinja/format.h"
#include "jinja/interpreter.h"
#include "jinja/strformat.h"
#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

util::Result<Value> unsupported(std::string_view op, const Value& a, const Value& b) {
  return util::fail("unsupported operand type(s) for " + std::string(op) + ": '" + type_name(a) + "' and '" +
                    type_name(b) + "'");
}

util::Result<Value> int_result(bool overflow, int64_t r) {
  if (overflow) return util::fail("integer overflow");
  return Value(r);
}

double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

util::Result<Value> repeat(Interpreter& in, const Value& seq, int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.str();
    if (n > 0 && s.size() > in.limits().max_output / static_cast<uint64_t>(n)) return util::fail("string too large");
    HEFT_TRY(in.charge(s.size() * static_cast<uint64_t>(n)));
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return seq.is_safe() ? Value::markup(std::move(out)) : Value(std::move(out));
  }
  const auto& items = seq.items();
  if (n > 0 && items.size() > in.limits().max_iterations / static_cast<uint64_t>(n)) return util::fail("list too large");
  HEFT_TRY(in.charge(items.size() * static_cast<uint64_t>(n)));
  std::vector<Value> out;
  out.reserve(items.size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

util::Result<Value> add(Interpreter& in, const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return Value(a.as_float() + b.as_float());
    int64_t r = 0;
    bool overflow = __builtin_add_overflow(a.as_int(), b.as_int(), &r);
    return int_result(overflow, r);
  }
  if (a.is_string() && b.is_string()) {
    HEFT_TRY(in.charge(a.str().size() + b.str().size()));
    if (a.str().size() + b.str().size() > in.limits().max_output) return util::fail("string too large");
    // Markup + str escapes the plain side (markupsafe), str + str stays plain.
    if ((a.is_safe() || b.is_safe()) && !in.js_compatible()) {  // JavaScript has no Markup
      std::string l = a.is_safe() ? a.str() : html_escape(a.str());
      std::string r = b.is_safe() ? b.str() : html_escape(b.str());
      return Value::markup(l + r);
    }
    return Value(a.str() + b.str());
  }
  if ((a.is_list() && b.is_list() && a.is_plain_sequence() && b.is_plain_sequence()) || (a.is_tuple() && b.is_tuple())) {
    HEFT_TRY(in.charge(a.items().size() + b.items().size()));
    std::vector<Value> out = a.items();
    out.insert(out.end(), b.items().begin(), b.items().end());
    return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  // Python raises here. In the JS-compatible mode heft concatenates as @huggingface/jinja
  // does; in Python mode it raises and asks for that mode (see interpreter.h).
  auto js_ok = [](const Value& v) { return v.is_number() || v.is_sequence() || v.is_dict() || v.is_namespace(); };
  if (a.is_sequence() && b.is_sequence() && !in.js_compatible()) in.suggest_js_compatible();  // list + generator
  if ((a.is_string() && js_ok(b)) || (b.is_string() && js_ok(a))) {
    if (in.js_compatible()) {
      std::string out;
      size_t limit = in.limits().max_output;
      if (!write_js(out, a, limit) || !write_js(out, b, limit)) return util::fail("string too large");
      HEFT_TRY(in.charge(out.size()));
      return Value(std::move(out));
    }
    in.suggest_js_compatible();
  }
  if (a.is_string()) return util::fail("can only concatenate str (not \"" + type_name(b) + "\") to str");
  if (a.is_list() || a.is_tuple())
    return util::fail("can only concatenate " + type_name(a) + " (not \"" + type_name(b) + "\") to " + type_name(a));
  return unsupported("+", a, b);
}

}  // namespace

util::Error undefined_error(const Value& v) {
  std::string reason = v.undefined_reason();
  return util::Error{reason.empty() ? "value is undefined" : reason};
}

util::Result<Value> binary_op(Interpreter& in, std::string_view op, const Value& a, const Value& b) {
  if (op == "~") {
    std::string l, r;
    if (in.js_compatible()) {
      if (!write_js(l, a, in.limits().max_output) || !write_js(r, b, in.limits().max_output))
        return util::fail("string too large");
    } else {
      l = HEFT_TRY(in.str(a));
      r = HEFT_TRY(in.str(b));
    }
    if (l.size() + r.size() > in.limits().max_output) return util::fail("string too large");
    HEFT_TRY(in.charge(l.size() + r.size()));
    return Value(l + r);
  }
  if (a.is_undefined()) return std::unexpected(undefined_error(a));
  if (b.is_undefined()) {
    // `"x" % undefined` formats it as an empty string in Python; everything else fails.
    if (!(op == "%" && a.is_string())) return std::unexpected(undefined_error(b));
  }
  if (op == "+") return add(in, a, b);
  if (op == "-") {
    if (!a.is_number() || !b.is_number()) return unsupported("-", a, b);
    if (a.is_float() || b.is_float()) return Value(a.as_float() - b.as_float());
    int64_t r = 0;
    bool overflow = __builtin_sub_overflow(a.as_int(), b.as_int(), &r);
    return int_result(overflow, r);
  }
  if (op == "*") {
    if (a.is_number() && b.is_number()) {
      if (a.is_float() || b.is_float()) return Value(a.as_float() * b.as_float());
      int64_t r = 0;
      bool overflow = __builtin_mul_overflow(a.as_int(), b.as_int(), &r);
      return int_result(overflow, r);
    }
    if ((a.is_string() || a.is_plain_sequence()) && b.is_integral()) return repeat(in, a, b.as_int());
    if ((b.is_string() || b.is_plain_sequence()) && a.is_integral()) return repeat(in, b, a.as_int());
    return unsupported("*", a, b);
  }
  if (op == "/") {
    if (!a.is_number() || !b.is_number()) return unsupported("/", a, b);
    if (b.as_float() == 0) return util::fail("division by zero");
    return Value(a.as_float() / b.as_float());
  }
  if (op == "//") {
    if (!a.is_number() || !b.is_number()) return unsupported("//", a, b);
    if (b.as_float() == 0) return util::fail("integer division or modulo by zero");
    if (a.is_float() || b.is_float()) {
      double x = a.as_float(), y = b.as_float();
      return Value(std::floor(x / y));
    }
    int64_t x = a.as_int(), y = b.as_int();
    if (x == std::numeric_limits<int64_t>::min() && y == -1) return util::fail("integer overflow");
    int64_t q = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
    return Value(q);
  }
  if (op == "%") {
    if (a.is_string()) {
      std::string s = HEFT_TRY(percent_format(in, a.str(), b));
      return a.is_safe() ? Value::markup(std::move(s)) : Value(std::move(s));
    }
    if (!a.is_number() || !b.is_number()) return unsupported("%", a, b);
    if (b.as_float() == 0) return util::fail("integer division or modulo by zero");
    if (a.is_float() || b.is_float()) return Value(py_fmod(a.as_float(), b.as_float()));
    int64_t x = a.as_int(), y = b.as_int();
    if (y == -1) return Value(int64_t{0});
    int64_t m = x % y;
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    return Value(m);
  }
  if (op == "**") {
    if (!a.is_number() || !b.is_number()) return unsupported("** or pow()", a, b);
    if (a.is_integral() && b.is_integral() && b.as_int() >= 0) {
      int64_t base = a.as_int(), e = b.as_int(), r = 1;
      while (e > 0) {
        if (e & 1)
          if (__builtin_mul_overflow(r, base, &r)) return util::fail("integer overflow");
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base)) return util::fail("integer overflow");
      }
      return Value(r);
    }
    double x = a.as_float(), y = b.as_float();
    if (x == 0 && y < 0) return util::fail("0.0 cannot be raised to a negative power");
    double r = std::pow(x, y);
    if (std::isnan(r) && !std::isnan(x) && !std::isnan(y)) return util::fail("math domain error (complex result)");
    return Value(r);
  }
  return util::fail("unknown operator '" + std::string(op) + "'");
}

util::Result<Value> negate(const Value& v) {
  if (v.is_float()) return Value(-v.as_float());
  if (v.is_integral()) {
    if (v.as_int() == std::numeric_limits<int64_t>::min()) return util::fail("integer overflow");
    return Value(-v.as_int());
  }
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  return util::fail("bad operand type for unary -: '" + type_name(v) + "'");
}

util::Result<Value> unary_plus(const Value& v) {
  if (v.is_float()) return v;
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  return util::fail("bad operand type for unary +: '" + type_name(v) + "'");
}

util::Result<bool> contains(const Value& c, const Value& item) {
  switch (c.kind()) {
    case Value::Kind::String:
      if (!item.is_string())
        return util::fail("'in <string>' requires string as left operand, not " + type_name(item));
      return c.str().find(item.str()) != std::string::npos;
    case Value::Kind::List: case Value::Kind::Tuple: {
      auto& items = c.items();
      for (size_t i = 0; i < items.size(); ++i)
        if (equals(items[i], item)) {
          if (c.is_lazy()) items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(i) + 1);
          return true;
        }
      if (c.is_lazy()) items.clear();  // `in` ran the generator to its end
      return false;
    }
    case Value::Kind::Dict:
      return c.dict().find(item) != nullptr;
    case Value::Kind::Undefined:
      return false;  // iterating an Undefined yields nothing
    default:
      return util::fail("argument of type '" + type_name(c) + "' is not iterable");
  }
}

namespace {
util::Result<std::optional<int64_t>> slice_index(const Value& v) {
  if (v.is_none()) return std::optional<int64_t>{};
  if (v.is_integral()) return std::optional<int64_t>{v.as_int()};
  return util::fail("slice indices must be integers or None");
}
}  // namespace

util::Result<Value> slice(const Value& v, const Value& start_v, const Value& stop_v, const Value& step_v) {
  auto start = HEFT_TRY(slice_index(start_v));
  auto stop = HEFT_TRY(slice_index(stop_v));
  auto step_o = HEFT_TRY(slice_index(step_v));
  int64_t step = step_o.value_or(1);
  if (step == 0) return util::fail("slice step cannot be zero");

  bool ascii = v.is_string() && unicode::is_ascii(v.str());
  std::u32string wide;
  int64_t n;
  if (v.is_string()) {
    if (!ascii) wide = unicode::decode(v.str());
    n = static_cast<int64_t>(ascii ? v.str().size() : wide.size());
  } else if (v.is_plain_sequence()) {
    n = static_cast<int64_t>(v.items().size());
  } else {
    return util::fail("'" + type_name(v) + "' object is not subscriptable");
  }
  auto adjust = [&](std::optional<int64_t> i, int64_t dflt) {
    if (!i) return dflt;
    int64_t x = *i;
    if (x < 0) {
      x += n;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  int64_t a = adjust(start, step < 0 ? n - 1 : 0);
  int64_t b = adjust(stop, step < 0 ? -1 : n);
  std::vector<int64_t> idx;
  if (step > 0)
    for (int64_t i = a; i < b; i += step) idx.push_back(i);
  else
    for (int64_t i = a; i > b; i += step) idx.push_back(i);

  if (v.is_string()) {
    std::string out;
    if (ascii && step == 1) {
      out = v.str().substr(static_cast<size_t>(a), static_cast<size_t>(std::max<int64_t>(0, b - a)));
    } else {
      for (int64_t i : idx) {
        if (ascii) out.push_back(v.str()[static_cast<size_t>(i)]);
        else unicode::append(out, wide[static_cast<size_t>(i)]);
      }
    }
    return v.is_safe() ? Value::markup(std::move(out)) : Value(std::move(out));
  }
  std::vector<Value> out;
  out.reserve(idx.size());
  for (int64_t i : idx) out.push_back(v.items()[static_cast<size_t>(i)]);
  return v.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

}  // namespace heft::jinja
