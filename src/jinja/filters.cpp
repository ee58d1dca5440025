#include "jinja/filters.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "jinja/arguments.h"
#include "jinja/format.h"
#include "jinja/interpreter.h"
#include "jinja/methods.h"
#include "jinja/operators.h"
#include "jinja/sort.h"
#include "jinja/strformat.h"
#include "jinja/strings.h"
#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

using util::Result;

// Jinja2's soft_str: Markup stays Markup, anything else becomes str().
Result<Value> soft_str(Interpreter& in, const Value& v) {
  if (v.is_string()) return v;
  return Value(HEFT_TRY(in.str(v)));
}

Value same_safety(const Value& like, std::string s) {
  return like.is_safe() ? Value::markup(std::move(s)) : Value(std::move(s));
}

Value ignore_case(const Value& v) { return v.is_string() ? Value(unicode::lower(v.str())) : v; }

// Jinja2's make_attrgetter: "a.b.0" looks up a, then b, then index 0 (item first, then attribute).
Result<Value> lookup_path(Interpreter& in, Value item, const Value& attribute, const Value& default_value = Value()) {
  if (attribute.is_none() || attribute.is_undefined()) return item;
  std::vector<Value> parts;
  if (attribute.is_string()) {
    for (auto& p : pystr::split(attribute.str(), std::string("."), -1)) {
      bool digits = !p.empty() && p.find_first_not_of("0123456789") == std::string::npos && p.size() < 18;
      parts.push_back(digits ? Value(static_cast<int64_t>(std::stoll(p))) : Value(p));
    }
  } else {
    parts.push_back(attribute);
  }
  for (const auto& part : parts) {
    item = HEFT_TRY(in.getitem(item, part));
    if (!default_value.is_undefined() && !default_value.is_none() && item.is_undefined()) item = default_value;
  }
  return item;
}

Result<Value> f_abs(Interpreter&, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("abs", args, {}));
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) return util::fail("integer overflow");
    return Value(std::abs(v.as_int()));
  }
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  return util::fail("bad operand type for abs(): '" + type_name(v) + "'");
}

// Python getattr() only: unlike `obj.name`, a dict key is not an attribute.
Result<Value> f_attr(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("attr", args, {{"name", std::nullopt}}));
  std::string name = HEFT_TRY(in.str(a[0]));
  if (v.is_namespace() || v.is_object() || v.is_group()) return in.getattr(v, name);
  if (has_method(v, name)) return bound_method(v, name);
  if (auto why = unsafe_reason(v, name)) return Value::undefined(*why);
  return Value::undefined(quoted(type_name(v) + " object") + " has no attribute " + quoted(name));
}

Result<Value> f_batch(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("batch", args, {{"linecount", std::nullopt}, {"fill_with", Value::none()}}));
  int64_t n = HEFT_TRY(int_arg("batch", "linecount", a[0]));
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  HEFT_TRY(in.count_iterations(items.size()));
  std::vector<Value> out, cur;
  for (auto& item : items) {
    if (static_cast<int64_t>(cur.size()) == n) out.push_back(Value::list(std::exchange(cur, {})));
    cur.push_back(std::move(item));
  }
  if (!cur.empty()) {
    if (!a[1].is_none() && static_cast<int64_t>(cur.size()) < n) {
      HEFT_TRY(in.count_iterations(static_cast<uint64_t>(n) - cur.size()));
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(a[1]);
    }
    out.push_back(Value::list(std::move(cur)));
  }
  return in.lazy(std::move(out), Flavor::Generator, "do_batch");
}

Result<Value> f_capitalize(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("capitalize", args, {}));
  Value s = HEFT_TRY(soft_str(in, v));
  return same_safety(s, pystr::capitalize(s.str()));
}

Result<Value> f_center(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("center", args, {{"width", Value(80)}}));
  int64_t w = HEFT_TRY(int_arg("center", "width", a[0]));
  if (w > static_cast<int64_t>(in.limits().max_output)) return util::fail("center(): width too large");
  Value s = HEFT_TRY(soft_str(in, v));
  return same_safety(s, pystr::center(s.str(), w, " "));
}

Result<Value> f_default(Interpreter&, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("default", args, {{"default_value", Value("")}, {"boolean", Value(false)}}));
  if (v.is_undefined() || (a[1].truthy() && !v.truthy())) return a[0];
  return v;
}

Result<Value> f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("dictsort", args,
                         {{"case_sensitive", Value(false)}, {"by", Value("key")}, {"reverse", Value(false)}}));
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  if (!v.is_dict()) return util::fail("dictsort: '" + type_name(v) + "' object has no attribute 'items'");
  std::string by = a[1].is_string() ? a[1].str() : "";
  if (by != "key" && by != "value") return util::fail("You can only sort by either \"key\" or \"value\"");
  size_t pos = by == "key" ? 0 : 1;
  bool cs = a[0].truthy(), rev = a[2].truthy();
  std::vector<std::pair<Value, Value>> items = v.dict().items;
  HEFT_TRY(stable_sort(items, [&](const auto& x, const auto& y) -> Result<int> {
    const Value& p = pos == 0 ? x.first : x.second;
    const Value& q = pos == 0 ? y.first : y.second;
    int c = HEFT_TRY(cs ? compare(p, q) : compare(ignore_case(p), ignore_case(q)));
    return rev ? -c : c;
  }));
  std::vector<Value> out;
  for (auto& [k, val] : items) out.push_back(Value::tuple({k, val}));
  return Value::list(std::move(out));
}

Result<Value> f_escape(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("escape", args, {}));
  if (v.is_safe()) return v;
  return Value::markup(html_escape(HEFT_TRY(in.str(v))));
}

Result<Value> f_forceescape(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("forceescape", args, {}));
  return Value::markup(html_escape(HEFT_TRY(in.str(v))));
}

Result<Value> f_filesizeformat(Interpreter&, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("filesizeformat", args, {{"binary", Value(false)}}));
  if (!v.is_number() && !v.is_string()) return util::fail("filesizeformat: a number is required");
  double bytes = v.is_string() ? std::strtod(v.str().c_str(), nullptr) : v.as_float();
  bool binary = a[0].truthy();
  double base = binary ? 1024 : 1000;
  static const char* kDec[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  static const char* kBin[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  char buf[64];
  if (bytes == 1) return Value("1 Byte");
  if (bytes < base) {
    std::snprintf(buf, sizeof buf, "%lld Bytes", static_cast<long long>(bytes));
    return Value(std::string(buf));
  }
  double unit = base;
  for (int i = 0; i < 8; ++i) {
    unit *= base;
    if (bytes < unit || i == 7) {
      std::snprintf(buf, sizeof buf, "%.1f %s", base * bytes / unit, binary ? kBin[i] : kDec[i]);
      break;
    }
  }
  return Value(std::string(buf));
}

Result<Value> f_first(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("first", args, {}));
  if (v.is_sequence()) {
    auto& items = v.items();
    if (items.empty()) return Value::undefined("No first item, sequence was empty.");
    Value first = items[0];
    if (v.is_lazy()) items.erase(items.begin());  // next() takes it from the generator
    return first;
  }
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items[0];
}

Result<Value> f_last(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("last", args, {}));
  if (v.is_lazy()) return util::fail(quoted(type_name(v)) + " object is not reversible");
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

// Python float(str): whitespace, underscores between digits, inf/nan.
std::optional<double> parse_float(std::string_view text) {
  std::string s = pystr::strip(text, std::nullopt, true, true);
  std::string clean;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      bool ok = i > 0 && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                std::isdigit(static_cast<unsigned char>(s[i + 1]));
      if (!ok) return std::nullopt;
      continue;
    }
    clean.push_back(s[i]);
  }
  if (clean.empty()) return std::nullopt;
  std::string lower = unicode::lower(clean);
  std::string_view body = lower;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return neg ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  for (char c : body)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' || c == '-')) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  return d;
}

// Python int(str, base).
std::optional<int64_t> parse_int(std::string_view text, int base) {
  std::string s = pystr::strip(text, std::nullopt, true, true);
  std::string_view b = s;
  bool neg = false;
  if (!b.empty() && (b[0] == '+' || b[0] == '-')) {
    neg = b[0] == '-';
    b.remove_prefix(1);
  }
  if (b.size() >= 2 && b[0] == '0') {
    char p = static_cast<char>(b[1] | 0x20);
    int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (pb && (base == 0 || base == pb)) {
      base = pb;
      b.remove_prefix(2);
      if (!b.empty() && b[0] == '_') b.remove_prefix(1);
    }
  }
  if (base == 0) {
    if (b.size() > 1 && b[0] == '0' && b.find_first_not_of("0_") != std::string_view::npos) return std::nullopt;
    base = 10;
  }
  if (b.empty() || b.front() == '_' || b.back() == '_') return std::nullopt;
  int64_t v = 0;
  char prev = 0;
  for (char c : b) {
    if (c == '_') {
      if (prev == '_') return std::nullopt;
      prev = c;
      continue;
    }
    prev = c;
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c)) ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v)) return std::nullopt;
  }
  return neg ? -v : v;
}

Result<Value> f_float(Interpreter&, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("float", args, {{"default", Value(0.0)}}));
  if (v.is_number()) return Value(v.as_float());
  if (v.is_string()) {
    if (auto d = parse_float(v.str())) return Value(*d);
    return a[0];
  }
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  return a[0];
}

Result<Value> f_int(Interpreter&, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("int", args, {{"default", Value(0)}, {"base", Value(10)}}));
  int64_t base = HEFT_TRY(int_arg("int", "base", a[1]));
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) {
    double d = v.as_float();
    if (std::isnan(d)) return a[0];
    if (!(d > -9.2e18 && d < 9.2e18)) return util::fail("cannot convert float infinity to integer");
    return Value(static_cast<int64_t>(std::trunc(d)));
  }
  if (v.is_string()) {
    if (base != 0 && (base < 2 || base > 36)) return util::fail("int() base must be >= 2 and <= 36, or 0");
    if (auto i = parse_int(v.str(), static_cast<int>(base))) return Value(*i);
    if (auto d = parse_float(v.str())) {
      if (std::isnan(*d)) return a[0];
      if (!(*d > -9.2e18 && *d < 9.2e18)) return util::fail("cannot convert float infinity to integer");
      return Value(static_cast<int64_t>(std::trunc(*d)));
    }
    return a[0];
  }
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  return a[0];
}

Result<Value> f_format(Interpreter& in, const Value& v, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty())
    return util::fail("can't handle positional and keyword arguments at the same time");
  Value s = HEFT_TRY(soft_str(in, v));
  Value fmt_args;
  if (!args.keyword.empty()) {
    DictData d;
    for (auto& [k, val] : args.keyword) d.set(k, val);
    fmt_args = Value::make_dict(std::move(d));
  } else {
    fmt_args = Value::tuple(args.positional);
  }
  std::string r = HEFT_TRY(percent_format(in, s.str(), fmt_args));
  return same_safety(s, std::move(r));
}

Result<Value> f_groupby(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("groupby", args,
                         {{"attribute", std::nullopt}, {"default", Value::none()}, {"case_sensitive", Value(false)}}));
  bool cs = a[2].truthy();
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  HEFT_TRY(in.count_iterations(items.size()));
  std::vector<std::pair<Value, Value>> keyed;  // (sort key, item)
  for (auto& item : items) {
    Value k = HEFT_TRY(lookup_path(in, item, a[0], a[1]));
    keyed.emplace_back(cs ? k : ignore_case(k), item);
  }
  HEFT_TRY(stable_sort(keyed, [](const auto& x, const auto& y) { return compare(x.first, y.first); }));
  std::vector<Value> out;
  for (size_t i = 0; i < keyed.size();) {
    size_t j = i;
    std::vector<Value> group;
    while (j < keyed.size() && equals(keyed[j].first, keyed[i].first)) group.push_back(keyed[j++].second);
    // The group's key is spelled as its first item has it (even when grouping ignores case).
    Value key = cs ? keyed[i].first : HEFT_TRY(lookup_path(in, group[0], a[0], a[1]));
    out.push_back(Value::group(key, Value::list(std::move(group))));
    i = j;
  }
  return Value::list(std::move(out));
}

Result<Value> f_indent(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("indent", args, {{"width", Value(4)}, {"first", Value(false)}, {"blank", Value(false)}}));
  std::string indention;
  if (a[0].is_string()) {
    indention = a[0].str();
  } else {
    int64_t w = HEFT_TRY(int_arg("indent", "width", a[0]));
    if (w > 4096) return util::fail("indent(): width too large");
    indention = std::string(static_cast<size_t>(std::max<int64_t>(0, w)), ' ');
  }
  Value sv = HEFT_TRY(soft_str(in, v));
  std::string s = sv.str() + "\n";  // Jinja2 appends a newline so splitlines() keeps a trailing empty line
  std::vector<std::string> lines = pystr::splitlines(s, false);
  if (s.size() + lines.size() * indention.size() > in.limits().max_output) return util::fail("string too large");
  std::string rv;
  if (a[2].truthy()) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else if (!lines.empty()) {
    rv = lines[0];
    if (lines.size() > 1) {
      rv += "\n";
      for (size_t i = 1; i < lines.size(); ++i) {
        if (i > 1) rv += "\n";
        if (!lines[i].empty()) rv += indention;
        rv += lines[i];
      }
    }
  }
  if (a[1].truthy()) rv = indention + rv;
  HEFT_TRY(in.charge(rv.size()));
  return same_safety(sv, std::move(rv));
}

Result<Value> f_items(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("items", args, {}));
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) return util::fail("Can only get item pairs from a mapping.");
  HEFT_TRY(in.charge(v.dict().items.size()));
  std::vector<Value> out;
  for (const auto& [k, val] : v.dict().items) out.push_back(Value::tuple({k, val}));
  return in.lazy(std::move(out), Flavor::Generator, "do_items");
}

Result<Value> f_join(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("join", args, {{"d", Value("")}, {"attribute", Value::none()}}));
  std::string sep = HEFT_TRY(in.str(a[0]));
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    Value item = HEFT_TRY(lookup_path(in, items[i], a[1]));
    out += HEFT_TRY(in.str(item));
    if (out.size() > in.limits().max_output) return util::fail("string too large");
  }
  HEFT_TRY(in.charge(out.size()));
  return Value(std::move(out));
}

Result<Value> f_length(Interpreter&, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("length", args, {}));
  switch (v.kind()) {
    case Value::Kind::String: return Value(static_cast<int64_t>(unicode::length(v.str())));
    case Value::Kind::List: case Value::Kind::Tuple:
      if (v.is_lazy()) break;  // a generator has no len()
      return Value(static_cast<int64_t>(v.items().size()));
    case Value::Kind::Dict: return Value(static_cast<int64_t>(v.dict().items.size()));
    case Value::Kind::Undefined: return Value(0);
    default: break;
  }
  return util::fail("object of type " + quoted(type_name(v)) + " has no len()");
}

Result<Value> f_list(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("list", args, {}));
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  HEFT_TRY(in.charge(items.size()));
  return Value::list(std::move(items));
}

Result<Value> f_lower(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("lower", args, {}));
  Value s = HEFT_TRY(soft_str(in, v));
  return same_safety(s, unicode::lower(s.str()));
}

Result<Value> f_upper(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("upper", args, {}));
  Value s = HEFT_TRY(soft_str(in, v));
  return same_safety(s, unicode::upper(s.str()));
}

Result<Value> f_map(Interpreter& in, const Value& v, CallArgs& args) {
  bool by_attribute = args.positional.empty();
  Value attribute, default_value = Value::none();
  if (by_attribute) {
    for (auto& [k, val] : args.keyword) {
      if (k == "attribute") attribute = val;
      else if (k == "default") default_value = val;
      else return util::fail("Unexpected keyword argument '" + k + "'");
    }
    if (attribute.is_undefined()) return util::fail("map requires a filter argument");
  }
  if (!v.truthy()) return in.lazy({}, Flavor::Generator, "sync_do_map");
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  HEFT_TRY(in.count_iterations(items.size()));
  std::vector<Value> out;
  out.reserve(items.size());
  if (by_attribute) {
    for (auto& item : items) out.push_back(HEFT_TRY(lookup_path(in, item, attribute, default_value)));
  } else {
    if (!args.positional[0].is_string()) return util::fail("map: the filter name must be a string");
    std::string name = args.positional[0].str();
    CallArgs rest{std::vector<Value>(args.positional.begin() + 1, args.positional.end()), args.keyword};
    for (auto& item : items) {
      CallArgs copy = rest;
      out.push_back(HEFT_TRY(in.filter(name, item, copy)));
    }
  }
  return in.lazy(std::move(out), Flavor::Generator, "sync_do_map");
}

Result<Value> min_max(Interpreter& in, const Value& v, CallArgs& args, bool want_max) {
  auto a = HEFT_TRY(bind(want_max ? "max" : "min", args, {{"case_sensitive", Value(false)}, {"attribute", Value::none()}}));
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  bool cs = a[0].truthy();
  size_t best = 0;
  Value best_key = HEFT_TRY(lookup_path(in, items[0], a[1]));
  if (!cs) best_key = ignore_case(best_key);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = HEFT_TRY(lookup_path(in, items[i], a[1]));
    if (!cs) k = ignore_case(k);
    int c = HEFT_TRY(compare(k, best_key));
    if (want_max ? c > 0 : c < 0) best = i, best_key = k;
  }
  return items[best];
}
Result<Value> f_max(Interpreter& in, const Value& v, CallArgs& args) { return min_max(in, v, args, true); }
Result<Value> f_min(Interpreter& in, const Value& v, CallArgs& args) { return min_max(in, v, args, false); }

Result<Value> f_pprint(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("pprint", args, {}));
  std::string out;
  if (!write_repr(out, v, in.limits().max_output)) return util::fail("string too large");
  return Value(std::move(out));
}

// select / reject / selectattr / rejectattr
Result<Value> select_or_reject(Interpreter& in, const Value& v, CallArgs& args, bool select, bool by_attr) {
  if (!v.truthy()) return in.lazy({}, Flavor::Generator, "select_or_reject");
  size_t off = 0;
  Value attribute;
  if (by_attr) {
    if (args.positional.empty()) return util::fail("Missing parameter for attribute name");
    attribute = args.positional[0];
    off = 1;
  }
  bool have_test = args.positional.size() > off;
  std::string test_name;
  if (have_test) {
    if (!args.positional[off].is_string()) return util::fail("the test name must be a string");
    test_name = args.positional[off].str();
  }
  CallArgs test_args{std::vector<Value>(args.positional.begin() + static_cast<std::ptrdiff_t>(std::min(args.positional.size(), off + 1)),
                                        args.positional.end()),
                     args.keyword};
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  HEFT_TRY(in.count_iterations(items.size()));
  std::vector<Value> out;
  for (auto& item : items) {
    Value x = by_attr ? HEFT_TRY(lookup_path(in, item, attribute)) : item;
    bool ok;
    if (have_test) {
      CallArgs copy = test_args;
      ok = HEFT_TRY(in.test(test_name, x, copy));
    } else {
      ok = x.truthy();
    }
    if (ok == select) out.push_back(item);
  }
  return in.lazy(std::move(out), Flavor::Generator, "select_or_reject");
}
Result<Value> f_select(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, false); }
Result<Value> f_reject(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, false); }
Result<Value> f_selectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, true); }
Result<Value> f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, true); }

Result<Value> f_replace(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("replace", args, {{"old", std::nullopt}, {"new", std::nullopt}, {"count", Value::none()}}));
  std::string s = HEFT_TRY(in.str(v));
  std::string old = HEFT_TRY(in.str(a[0]));
  std::string repl = HEFT_TRY(in.str(a[1]));
  int64_t count = a[2].is_none() ? -1 : HEFT_TRY(int_arg("replace", "count", a[2]));
  uint64_t hits = old.empty() ? unicode::length(s) + 1 : static_cast<uint64_t>(pystr::count(s, old, std::nullopt, std::nullopt));
  if (repl.size() > old.size() && s.size() + hits * (repl.size() - old.size() + 1) > in.limits().max_output)
    return util::fail("string too large");
  std::string r = pystr::replace(s, old, repl, count);
  HEFT_TRY(in.charge(r.size()));
  return Value(std::move(r));
}

Result<Value> f_reverse(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("reverse", args, {}));
  if (v.is_string()) {
    std::u32string w = unicode::decode(v.str());
    std::reverse(w.begin(), w.end());
    return same_safety(v, unicode::encode(w));
  }
  // reversed() of a list, tuple or dict is an iterator; of a generator, Jinja2 falls back to a list.
  bool was_lazy = v.is_lazy();
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  std::reverse(items.begin(), items.end());
  if (was_lazy) return Value::list(std::move(items));
  return in.lazy(std::move(items), Flavor::Iterator, "reversed");
}

// Python's round(x, n) for floats: correctly rounded, ties to even on the exact binary value.
double py_round(double x, int64_t n) {
  if (!std::isfinite(x)) return x;
  if (n >= 0) {
    if (n > 300) return x;
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(n), x);
    return std::strtod(buf, nullptr);
  }
  if (n < -308) return 0.0 * x;
  double p = std::pow(10.0, static_cast<double>(-n));
  double y = x / p;
  double r = std::nearbyint(y);  // ties to even (default rounding mode)
  return r * p;
}

Result<Value> f_round(Interpreter&, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("round", args, {{"precision", Value(0)}, {"method", Value("common")}}));
  int64_t prec = HEFT_TRY(int_arg("round", "precision", a[0]));
  std::string method = a[1].is_string() ? a[1].str() : "";
  if (method != "common" && method != "ceil" && method != "floor")
    return util::fail("method must be common, ceil or floor");
  if (!v.is_number()) {
    if (v.is_undefined()) return std::unexpected(undefined_error(v));
    return util::fail("type " + type_name(v) + " doesn't define __round__ method");
  }
  if (method == "common") {
    if (v.is_integral()) {
      if (prec >= 0) return Value(v.as_int());
      return Value(static_cast<int64_t>(py_round(static_cast<double>(v.as_int()), prec)));
    }
    return Value(py_round(v.as_float(), prec));
  }
  double p = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(prec, -308, 308)));
  double x = v.as_float() * p;
  return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / p);
}

Result<Value> f_safe(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("safe", args, {}));
  return Value::markup(HEFT_TRY(in.str(v)));
}

Result<Value> f_slice(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("slice", args, {{"slices", std::nullopt}, {"fill_with", Value::none()}}));
  int64_t slices = HEFT_TRY(int_arg("slice", "slices", a[0]));
  if (slices <= 0) return util::fail("integer division or modulo by zero");
  HEFT_TRY(in.count_iterations(static_cast<uint64_t>(slices)));
  std::vector<Value> seq = HEFT_TRY(in.iterate(v));
  auto length = static_cast<int64_t>(seq.size());
  int64_t per = length / slices, extra = length % slices, offset = 0;
  std::vector<Value> out;
  for (int64_t n = 0; n < slices; ++n) {
    int64_t start = offset + n * per;
    if (n < extra) ++offset;
    int64_t end = offset + (n + 1) * per;
    std::vector<Value> tmp(seq.begin() + start, seq.begin() + end);
    if (!a[1].is_none() && n >= extra) tmp.push_back(a[1]);
    out.push_back(Value::list(std::move(tmp)));
  }
  return in.lazy(std::move(out), Flavor::Generator, "sync_do_slice");
}

Result<Value> f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("sort", args, {{"reverse", Value(false)}, {"case_sensitive", Value(false)}, {"attribute", Value::none()}}));
  bool rev = a[0].truthy(), cs = a[1].truthy();
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  HEFT_TRY(in.count_iterations(items.size()));
  // Key: the list of attribute values ("a,b" sorts by a, then b).
  std::vector<Value> attrs;
  if (a[2].is_string()) {
    for (auto& p : pystr::split(a[2].str(), std::string(","), -1)) attrs.emplace_back(p);
  } else if (!a[2].is_none()) {
    attrs.push_back(a[2]);
  }
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) {
    std::vector<Value> key;
    if (attrs.empty()) key.push_back(cs ? item : ignore_case(item));
    for (const auto& at : attrs) {
      Value k = HEFT_TRY(lookup_path(in, item, at));
      key.push_back(cs ? k : ignore_case(k));
    }
    keyed.emplace_back(Value::list(std::move(key)), item);
  }
  HEFT_TRY(stable_sort(keyed, [&](const auto& x, const auto& y) -> Result<int> {
    int c = HEFT_TRY(compare(x.first, y.first));
    return rev ? -c : c;
  }));
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Result<Value> f_string(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("string", args, {}));
  return soft_str(in, v);
}

Result<Value> f_striptags(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("striptags", args, {}));
  std::string s = HEFT_TRY(in.str(v));
  std::string no_tags;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, 4, "<!--") == 0) {
      size_t e = s.find("-->", i + 4);
      if (e != std::string::npos) {
        i = e + 3;
        continue;
      }
    }
    if (s[i] == '<') {
      size_t e = s.find('>', i + 1);
      if (e != std::string::npos) {
        i = e + 1;
        continue;
      }
    }
    no_tags.push_back(s[i++]);
  }
  std::string joined;
  for (auto& w : pystr::split(no_tags, std::nullopt, -1)) joined += (joined.empty() ? "" : " ") + w;
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#34;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (auto [from, to] : kEntities) joined = pystr::replace(joined, from, to, -1);
  return Value(std::move(joined));
}

Result<Value> f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("sum", args, {{"attribute", Value::none()}, {"start", Value(0)}}));
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  Value total = a[1];
  for (auto& item : items) {
    Value x = HEFT_TRY(lookup_path(in, item, a[0]));
    if (total.is_string() || x.is_string()) return util::fail("sum() can't sum strings");
    total = HEFT_TRY(binary_op(in, "+", total, x));
  }
  return total;
}

Result<Value> f_title(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("title", args, {}));
  Value sv = HEFT_TRY(soft_str(in, v));
  const std::string& s = sv.str();
  // Jinja2 capitalises after runs of - whitespace ( { [ <, lowering the rest of each word.
  std::string out;
  bool word_start = true;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    bool sep = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || unicode::is_space(c);
    if (sep) {
      unicode::append(out, c);
      word_start = true;
    } else {
      unicode::append(out, word_start ? unicode::to_upper(c) : unicode::to_lower(c));
      word_start = false;
    }
  }
  return same_safety(sv, std::move(out));
}

// transformers' tojson: json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...).
Result<Value> f_tojson(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("tojson", args, {{"ensure_ascii", Value(false)}, {"indent", Value::none()},
                                          {"separators", Value::none()}, {"sort_keys", Value(false)}}));
  JsonOptions opt;
  opt.ensure_ascii = a[0].truthy();
  if (a[1].is_string()) {
    opt.indent = a[1].str();
  } else if (a[1].is_integral()) {
    int64_t n = a[1].as_int();
    if (n > 1024) return util::fail("tojson(): indent too large");
    opt.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, n)), ' ');
  } else if (!a[1].is_none()) {
    return util::fail("tojson(): indent must be an integer or a string");
  }
  if (opt.indent) opt.item_sep = ",";
  if (!a[2].is_none()) {
    if (!a[2].is_sequence() || a[2].items().size() != 2 || !a[2].items()[0].is_string() || !a[2].items()[1].is_string())
      return util::fail("tojson(): separators must be a pair of strings");
    opt.item_sep = a[2].items()[0].str();
    opt.key_sep = a[2].items()[1].str();
  }
  opt.sort_keys = a[3].truthy();
  opt.js_numbers = in.js_compatible();
  auto json = to_json(v, opt, in.limits().max_output);
  if (!json) {
    // Python cannot serialize a generator or a dict view; @huggingface/jinja has plain arrays there.
    if (json.error().message.find("Object of type generator") != std::string::npos ||
        json.error().message.find("Object of type dict_") != std::string::npos ||
        json.error().message.find("Object of type list_reverseiterator") != std::string::npos)
      in.suggest_js_compatible();
    return std::unexpected(json.error());
  }
  std::string out = std::move(*json);
  HEFT_TRY(in.charge(out.size()));
  return Value(std::move(out));
}

Result<Value> f_trim(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("trim", args, {{"chars", Value::none()}}));
  Value s = HEFT_TRY(soft_str(in, v));
  std::optional<std::string> chars;
  if (a[0].is_string()) chars = a[0].str();
  else if (!a[0].is_none()) return util::fail("trim(): chars must be a string or None");
  if (in.js_compatible()) chars.reset();  // @huggingface/jinja trims whitespace only
  return same_safety(s, pystr::strip(s.str(), chars, true, true));
}

Result<Value> f_truncate(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("truncate", args, {{"length", Value(255)}, {"killwords", Value(false)},
                                            {"end", Value("...")}, {"leeway", Value::none()}}));
  int64_t length = HEFT_TRY(int_arg("truncate", "length", a[0]));
  std::string end = HEFT_TRY(in.str(a[2]));
  int64_t leeway = a[3].is_none() ? 5 : HEFT_TRY(int_arg("truncate", "leeway", a[3]));
  auto end_len = static_cast<int64_t>(unicode::length(end));
  if (length < end_len) return util::fail("expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
  if (leeway < 0) return util::fail("expected leeway >= 0, got " + std::to_string(leeway));
  std::string s = HEFT_TRY(in.str(v));
  std::u32string w = unicode::decode(s);
  if (static_cast<int64_t>(w.size()) <= length + leeway) return Value(s);
  std::string head = unicode::encode(std::u32string_view(w).substr(0, static_cast<size_t>(length - end_len)));
  if (a[1].truthy()) return Value(head + end);
  return Value(pystr::rsplit(head, std::string(" "), 1)[0] + end);
}

Result<Value> f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = HEFT_TRY(bind("unique", args, {{"case_sensitive", Value(false)}, {"attribute", Value::none()}}));
  bool cs = a[0].truthy();
  std::vector<Value> items = HEFT_TRY(in.iterate(v));
  HEFT_TRY(in.count_iterations(items.size()));
  std::vector<Value> seen, out;
  for (auto& item : items) {
    Value k = HEFT_TRY(lookup_path(in, item, a[1]));
    if (!cs) k = ignore_case(k);
    if (k.is_list() || k.is_dict()) return util::fail("unhashable type: '" + type_name(k) + "'");
    bool dup = false;
    for (const auto& s : seen)
      if (equals(s, k)) {
        dup = true;
        break;
      }
    if (dup) continue;
    HEFT_TRY(in.count_iterations(seen.size() / 64 + 1));  // the scan above is quadratic; keep it bounded
    seen.push_back(k);
    out.push_back(item);
  }
  return in.lazy(std::move(out), Flavor::Generator, "do_unique");
}

std::string url_quote(std::string_view s, bool for_qs) {
  std::string out;
  for (unsigned char c : s) {
    bool safe = std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (!for_qs && c == '/');
    if (safe) {
      out.push_back(static_cast<char>(c));
    } else if (for_qs && c == ' ') {
      out.push_back('+');
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Result<Value> f_urlencode(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("urlencode", args, {}));
  if (v.is_string()) return Value(url_quote(v.str(), false));
  if (v.is_dict() || v.is_sequence()) {
    std::vector<std::pair<Value, Value>> pairs;
    if (v.is_dict()) {
      pairs = v.dict().items;
    } else {
      for (const auto& p : v.items()) {
        if (!p.is_sequence() || p.items().size() != 2) return util::fail("urlencode: expected (key, value) pairs");
        pairs.emplace_back(p.items()[0], p.items()[1]);
      }
    }
    std::string out;
    for (const auto& [k, val] : pairs) {
      if (!out.empty()) out += "&";
      out += url_quote(HEFT_TRY(in.str(k)), true) + "=" + url_quote(HEFT_TRY(in.str(val)), true);
    }
    return Value(std::move(out));
  }
  return Value(url_quote(HEFT_TRY(in.str(v)), false));
}

Result<Value> f_wordcount(Interpreter& in, const Value& v, CallArgs& args) {
  HEFT_TRY(bind("wordcount", args, {}));
  std::string s = HEFT_TRY(in.str(v));
  int64_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    bool w = c == '_' || unicode::is_alnum(c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

struct Entry {
  std::string_view name;
  FilterFn fn;
};

constexpr Entry kFilters[] = {
    {"abs", f_abs}, {"attr", f_attr}, {"batch", f_batch}, {"capitalize", f_capitalize}, {"center", f_center},
    {"count", f_length}, {"d", f_default}, {"default", f_default}, {"dictsort", f_dictsort}, {"e", f_escape},
    {"escape", f_escape}, {"filesizeformat", f_filesizeformat}, {"first", f_first}, {"float", f_float},
    {"forceescape", f_forceescape}, {"format", f_format}, {"groupby", f_groupby}, {"indent", f_indent},
    {"int", f_int}, {"items", f_items}, {"join", f_join}, {"last", f_last}, {"length", f_length}, {"list", f_list},
    {"lower", f_lower}, {"map", f_map}, {"max", f_max}, {"min", f_min}, {"pprint", f_pprint}, {"reject", f_reject},
    {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse}, {"round", f_round},
    {"safe", f_safe}, {"select", f_select}, {"selectattr", f_selectattr}, {"slice", f_slice}, {"sort", f_sort},
    {"string", f_string}, {"striptags", f_striptags}, {"sum", f_sum}, {"title", f_title}, {"tojson", f_tojson},
    {"trim", f_trim}, {"truncate", f_truncate}, {"unique", f_unique}, {"upper", f_upper},
    {"urlencode", f_urlencode}, {"wordcount", f_wordcount},
};

}  // namespace

FilterFn find_filter(std::string_view name) {
  for (const auto& e : kFilters)
    if (e.name == name) return e.fn;
  return nullptr;
}

}  // namespace heft::jinja
