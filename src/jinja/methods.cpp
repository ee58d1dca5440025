#include "jinja/methods.h"

#include <algorithm>
#include <array>

#include "jinja/arguments.h"
#include "jinja/format.h"
#include "jinja/interpreter.h"
#include "jinja/strformat.h"
#include "jinja/strings.h"
#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

using util::Result;

constexpr std::array<std::string_view, 44> kStrMethods = {
    "capitalize", "casefold", "center", "count", "endswith", "expandtabs", "find", "format", "format_map",
    "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
    "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip",
    "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill"};
constexpr std::array<std::string_view, 5> kDictMethods = {"keys", "values", "items", "get", "copy"};
constexpr std::array<std::string_view, 5> kListMethods = {"index", "count", "copy", "pop", "clear"};
constexpr std::array<std::string_view, 2> kTupleMethods = {"index", "count"};
constexpr std::array<std::string_view, 6> kListUnsafe = {"append", "reverse", "insert", "sort", "extend", "remove"};
constexpr std::array<std::string_view, 5> kDictUnsafe = {"clear", "pop", "popitem", "setdefault", "update"};

template <size_t N>
bool in(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

Result<std::optional<std::string>> opt_str(std::string_view fn, std::string_view param, const Value& v) {
  if (v.is_none() || v.is_undefined()) return std::optional<std::string>{};
  if (!v.is_string()) return util::fail(std::string(fn) + "() argument '" + std::string(param) + "' must be str or None, not " + type_name(v));
  return std::optional<std::string>{v.str()};
}

Result<std::optional<int64_t>> opt_int(std::string_view fn, const Value& v) {
  if (v.is_none() || v.is_undefined()) return std::optional<int64_t>{};
  if (!v.is_integral()) return util::fail(std::string(fn) + "(): slice indices must be integers or None");
  return std::optional<int64_t>{v.as_int()};
}

Value str_list(std::vector<std::string> parts, bool safe) {
  std::vector<Value> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(safe ? Value::markup(std::move(p)) : Value(std::move(p)));
  return Value::list(std::move(out));
}

Result<int64_t> width_arg(Interpreter& in, std::string_view fn, const Value& v) {
  int64_t w = HEFT_TRY(int_arg(fn, "width", v));
  if (w > static_cast<int64_t>(in.limits().max_output)) return util::fail(std::string(fn) + "(): width too large");
  return w;
}

Result<std::string> fill_arg(std::string_view fn, const Value& v) {
  std::string f = HEFT_TRY(str_arg(fn, "fillchar", v));
  if (unicode::length(f) != 1) return util::fail("The fill character must be exactly one character long");
  return f;
}

Result<Value> str_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args) {
  const std::string& s = self.str();
  bool safe = self.is_safe() && !in.js_compatible();  // JavaScript has no Markup
  // Markup's text-returning methods escape their string arguments (markupsafe).
  if (safe && (name == "replace" || name == "ljust" || name == "rjust" || name == "center" || name == "strip" ||
               name == "lstrip" || name == "rstrip" || name == "zfill" || name == "expandtabs")) {
    for (auto& a : args.positional)
      if (a.is_string() && !a.is_safe()) a = Value(html_escape(a.str()));
  }
  auto text = [&](std::string r) -> Result<Value> {
    HEFT_TRY(in.charge(r.size()));
    return safe ? Value::markup(std::move(r)) : Value(std::move(r));
  };
  std::string fn = "str." + std::string(name);

  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    auto a = HEFT_TRY(bind(fn, args, {{"chars", Value::none()}}));
    auto chars = HEFT_TRY(opt_str(fn, "chars", a[0]));
    if (in.js_compatible()) chars.reset();  // @huggingface/jinja ignores the argument and strips whitespace
    return text(pystr::strip(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    auto a = HEFT_TRY(bind(fn, args, {{"sep", Value::none()}, {"maxsplit", Value(-1)}}));
    auto sep = HEFT_TRY(opt_str(fn, "sep", a[0]));
    if (sep && sep->empty()) return util::fail("empty separator");
    int64_t maxsplit = HEFT_TRY(int_arg(fn, "maxsplit", a[1]));
    HEFT_TRY(in.charge(s.size()));
    auto parts = name == "split" ? pystr::split(s, sep, maxsplit) : pystr::rsplit(s, sep, maxsplit);
    return str_list(std::move(parts), safe);
  }
  if (name == "splitlines") {
    auto a = HEFT_TRY(bind(fn, args, {{"keepends", Value(false)}}));
    HEFT_TRY(in.charge(s.size()));
    return str_list(pystr::splitlines(s, a[0].truthy()), safe);
  }
  if (name == "startswith" || name == "endswith") {
    auto a = HEFT_TRY(bind(fn, args, {{"prefix", std::nullopt}, {"start", Value::none()}, {"end", Value::none()}}));
    auto start = HEFT_TRY(opt_int(fn, a[1]));
    auto end = HEFT_TRY(opt_int(fn, a[2]));
    bool at_end = name == "endswith";
    if (a[0].is_tuple()) {
      for (const auto& p : a[0].items()) {
        if (!p.is_string()) return util::fail("tuple for " + std::string(name) + " must only contain str, not " + type_name(p));
        if (pystr::starts_with(s, p.str(), start, end, at_end)) return Value(true);
      }
      return Value(false);
    }
    if (!a[0].is_string())
      return util::fail(std::string(name) + " first arg must be str or a tuple of str, not " + type_name(a[0]));
    return Value(pystr::starts_with(s, a[0].str(), start, end, at_end));
  }
  if (name == "replace") {
    auto a = HEFT_TRY(bind(fn, args, {{"old", std::nullopt}, {"new", std::nullopt}, {"count", Value(-1)}}));
    std::string old = HEFT_TRY(str_arg(fn, "old", a[0]));
    std::string repl = HEFT_TRY(str_arg(fn, "new", a[1]));
    int64_t count = HEFT_TRY(int_arg(fn, "count", a[2]));
    if (!old.empty() && repl.size() > old.size()) {
      uint64_t hits = static_cast<uint64_t>(pystr::count(s, old, std::nullopt, std::nullopt));
      if (s.size() + hits * (repl.size() - old.size()) > in.limits().max_output) return util::fail("string too large");
    } else if (old.empty() && (s.size() + 1) * (repl.size() + 4) > in.limits().max_output) {
      return util::fail("string too large");
    }
    return text(pystr::replace(s, old, repl, count));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    auto a = HEFT_TRY(bind(fn, args, {{"sub", std::nullopt}, {"start", Value::none()}, {"end", Value::none()}}));
    std::string sub = HEFT_TRY(str_arg(fn, "sub", a[0]));
    auto start = HEFT_TRY(opt_int(fn, a[1]));
    auto end = HEFT_TRY(opt_int(fn, a[2]));
    if (name == "count") return Value(pystr::count(s, sub, start, end));
    int64_t at = pystr::find(s, sub, start, end, name[0] == 'r');
    if (at < 0 && (name == "index" || name == "rindex")) return util::fail("substring not found");
    return Value(at);
  }
  if (name == "join") {
    auto a = HEFT_TRY(bind(fn, args, {{"iterable", std::nullopt}}));
    std::vector<Value> items = HEFT_TRY(in.iterate(a[0]));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string())
        return util::fail("sequence item " + std::to_string(i) + ": expected str instance, " + type_name(items[i]) + " found");
      if (i) out += s;
      out += safe && !items[i].is_safe() ? html_escape(items[i].str()) : items[i].str();
      if (out.size() > in.limits().max_output) return util::fail("string too large");
    }
    return text(std::move(out));
  }
  if (name == "format") {
    CallArgs escaped = args;
    if (safe) {
      for (auto& v : escaped.positional)
        if (v.is_string() && !v.is_safe()) v = Value::markup(html_escape(v.str()));
      for (auto& [k, v] : escaped.keyword)
        if (v.is_string() && !v.is_safe()) v = Value::markup(html_escape(v.str()));
    }
    return text(HEFT_TRY(brace_format(in, s, escaped)));
  }
  if (name == "format_map") {
    auto a = HEFT_TRY(bind(fn, args, {{"mapping", std::nullopt}}));
    if (!a[0].is_dict()) return util::fail("format_map() argument must be a mapping");
    CallArgs kw;
    for (const auto& [k, v] : a[0].dict().items)
      if (k.is_string()) kw.keyword.emplace_back(k.str(), v);
    return text(HEFT_TRY(brace_format(in, s, kw)));
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    auto a = HEFT_TRY(bind(fn, args, {{"width", std::nullopt}, {"fillchar", Value(" ")}}));
    int64_t w = HEFT_TRY(width_arg(in, fn, a[0]));
    std::string f = HEFT_TRY(fill_arg(fn, a[1]));
    if (name == "center") return text(pystr::center(s, w, f));
    return text(name == "ljust" ? pystr::ljust(s, w, f) : pystr::rjust(s, w, f));
  }
  if (name == "zfill") {
    auto a = HEFT_TRY(bind(fn, args, {{"width", std::nullopt}}));
    return text(pystr::zfill(s, HEFT_TRY(width_arg(in, fn, a[0]))));
  }
  if (name == "expandtabs") {
    auto a = HEFT_TRY(bind(fn, args, {{"tabsize", Value(8)}}));
    int64_t t = HEFT_TRY(int_arg(fn, "tabsize", a[0]));
    if (t > 1024) return util::fail("tabsize too large");
    return text(pystr::expandtabs(s, t));
  }
  if (name == "partition" || name == "rpartition") {
    auto a = HEFT_TRY(bind(fn, args, {{"sep", std::nullopt}}));
    std::string sep = HEFT_TRY(str_arg(fn, "sep", a[0]));
    if (sep.empty()) return util::fail("empty separator");
    size_t at = name == "partition" ? s.find(sep) : s.rfind(sep);
    auto mk = [&](std::string x) { return safe ? Value::markup(std::move(x)) : Value(std::move(x)); };
    if (at == std::string::npos) {
      if (name == "partition") return Value::tuple({mk(s), mk(""), mk("")});
      return Value::tuple({mk(""), mk(""), mk(s)});
    }
    return Value::tuple({mk(s.substr(0, at)), mk(sep), mk(s.substr(at + sep.size()))});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    auto a = HEFT_TRY(bind(fn, args, {{"affix", std::nullopt}}));
    std::string p = HEFT_TRY(str_arg(fn, "affix", a[0]));
    if (name == "removeprefix") return text(s.starts_with(p) ? s.substr(p.size()) : s);
    return text(s.ends_with(p) ? s.substr(0, s.size() - p.size()) : s);
  }
  // Methods without arguments.
  HEFT_TRY(bind(fn, args, {}));
  if (name == "lower" || name == "casefold") return text(unicode::lower(s));
  if (name == "upper") return text(unicode::upper(s));
  if (name == "title") return text(pystr::title(s));
  if (name == "capitalize") {
    if (in.js_compatible()) {  // @huggingface/jinja upper-cases the first character and keeps the rest
      size_t i = 0;
      std::string first(s.substr(0, s.empty() ? 0 : (unicode::next(s, i), i)));
      return text(unicode::upper(first) + s.substr(first.size()));
    }
    return text(pystr::capitalize(s));
  }
  if (name == "swapcase") return text(pystr::swapcase(s));
  if (name == "isalnum") return Value(pystr::all_chars(s, unicode::is_alnum));
  if (name == "isalpha") return Value(pystr::all_chars(s, unicode::is_alpha));
  if (name == "isascii") return Value(unicode::is_ascii(s));
  if (name == "isdecimal" || name == "isdigit") return Value(pystr::all_chars(s, unicode::is_digit));
  if (name == "isnumeric") return Value(pystr::all_chars(s, unicode::is_numeric));
  if (name == "isspace") return Value(pystr::all_chars(s, unicode::is_space));
  if (name == "isprintable") return Value(s.empty() || pystr::all_chars(s, unicode::is_printable));
  if (name == "istitle") return Value(pystr::istitle(s));
  if (name == "isidentifier") {
    bool ok = !s.empty() && !(s[0] >= '0' && s[0] <= '9') &&
              pystr::all_chars(s, [](char32_t c) { return c == '_' || unicode::is_alnum(c); });
    return Value(ok);
  }
  if (name == "islower" || name == "isupper") {
    bool lower = name == "islower", cased = false;
    for (size_t i = 0; i < s.size();) {
      char32_t c = unicode::next(s, i);
      if (lower ? unicode::is_upper(c) : unicode::is_lower(c)) return Value(false);
      cased = cased || unicode::is_cased(c);
    }
    return Value(cased);
  }
  return util::fail("'str' object has no method '" + std::string(name) + "'");
}

Result<Value> dict_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args) {
  const DictData& d = self.dict();
  std::string fn = "dict." + std::string(name);
  if (name == "get") {
    auto a = HEFT_TRY(bind(fn, args, {{"key", std::nullopt}, {"default", Value::none()}}));
    const Value* v = d.find(a[0]);
    return v ? *v : a[1];
  }
  HEFT_TRY(bind(fn, args, {}));
  HEFT_TRY(in.charge(d.items.size()));
  if (name == "copy") return Value::make_dict(d);
  std::vector<Value> out;
  out.reserve(d.items.size());
  Flavor view = Flavor::DictItems;
  if (name == "keys") {
    view = Flavor::DictKeys;
    for (const auto& kv : d.items) out.push_back(kv.first);
  } else if (name == "values") {
    view = Flavor::DictValues;
    for (const auto& kv : d.items) out.push_back(kv.second);
  } else {
    for (const auto& kv : d.items) out.push_back(Value::tuple({kv.first, kv.second}));
  }
  return in.lazy(std::move(out), view);
}

Result<Value> seq_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args) {
  std::vector<Value>& items = self.items();
  std::string fn = type_name(self) + "." + std::string(name);
  if (name == "index") {
    auto a = HEFT_TRY(bind(fn, args, {{"value", std::nullopt}, {"start", Value(0)}, {"stop", Value(INT64_MAX)}}));
    auto n = static_cast<int64_t>(items.size());
    int64_t start = HEFT_TRY(int_arg(fn, "start", a[1])), stop = HEFT_TRY(int_arg(fn, "stop", a[2]));
    if (start < 0) start = std::max<int64_t>(0, start + n);
    if (stop < 0) stop = std::max<int64_t>(0, stop + n);
    for (int64_t i = start; i < std::min(stop, n); ++i)
      if (equals(items[static_cast<size_t>(i)], a[0])) return Value(i);
    return util::fail(to_repr(a[0]) + " is not in " + type_name(self));
  }
  if (name == "count") {
    auto a = HEFT_TRY(bind(fn, args, {{"value", std::nullopt}}));
    int64_t n = 0;
    for (const auto& x : items) n += equals(x, a[0]) ? 1 : 0;
    return Value(n);
  }
  if (name == "copy") {
    HEFT_TRY(bind(fn, args, {}));
    HEFT_TRY(in.charge(items.size()));
    return Value::list(items);
  }
  if (name == "clear") {
    HEFT_TRY(bind(fn, args, {}));
    items.clear();
    return Value::none();
  }
  if (name == "pop") {
    auto a = HEFT_TRY(bind(fn, args, {{"index", Value(-1)}}));
    int64_t i = HEFT_TRY(int_arg(fn, "index", a[0]));
    if (items.empty()) return util::fail("pop from empty list");
    auto n = static_cast<int64_t>(items.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return util::fail("pop index out of range");
    Value v = std::move(items[static_cast<size_t>(i)]);
    items.erase(items.begin() + i);
    return v;
  }
  return util::fail(quoted(type_name(self)) + " object has no method " + quoted(name));
}

}  // namespace

bool has_method(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Value::Kind::String: return in(kStrMethods, name);
    case Value::Kind::Dict: return in(kDictMethods, name);
    case Value::Kind::List: return obj.flavor() == Flavor::List && in(kListMethods, name);
    case Value::Kind::Tuple: return in(kTupleMethods, name);
    default: return false;
  }
}

Result<Value> call_method(Interpreter& in, const Value& obj, std::string_view name, CallArgs& args) {
  switch (obj.kind()) {
    case Value::Kind::String: return str_method(in, obj, name, args);
    case Value::Kind::Dict: return dict_method(in, obj, name, args);
    case Value::Kind::List: case Value::Kind::Tuple: return seq_method(in, obj, name, args);
    default: return util::fail(quoted(type_name(obj)) + " object has no method " + quoted(name));
  }
}

Value bound_method(const Value& obj, std::string_view name) {
  std::string n(name);
  return Value::function(n, [obj, n](Interpreter& in, CallArgs& args) -> Result<Value> {
    HEFT_TRY(in.charge(obj.is_string() ? obj.str().size() / 8 + 1 : obj.is_sequence() ? obj.items().size() + 1 : 1));
    return call_method(in, obj, n, args);
  }, Function::Kind::Method);
}

std::optional<std::string> unsafe_reason(const Value& obj, std::string_view name) {
  bool unsafe = (obj.is_list() && obj.flavor() == Flavor::List && in(kListUnsafe, name)) ||
                (obj.is_dict() && in(kDictUnsafe, name));
  if (!unsafe) return std::nullopt;
  return "access to attribute '" + std::string(name) + "' of '" + type_name(obj) + "' object is unsafe.";
}

}  // namespace heft::jinja
