#include "jinja/format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "jinja/sort.h"
#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

constexpr int kMaxNesting = 200;  // a namespace that holds itself prints as "..." below this

// Shortest round-trip digits of |d| and its decimal exponent (d = 0.D1D2... no: D1.D2... x 10^exp).
void shortest_digits(double d, std::string& digits, int& exp10) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  size_t e = s.find('e');
  digits.clear();
  for (char c : s.substr(0, e))
    if (c != '.') digits.push_back(c);
  exp10 = std::stoi(std::string(s.substr(e + 1)));
}

// Fixed notation from digits: D1.D2... x 10^exp10 ("1.0" for integral values when dot_zero).
std::string fixed_from_digits(const std::string& digits, int exp10, bool dot_zero) {
  std::string out;
  if (exp10 < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
  } else {
    size_t int_len = static_cast<size_t>(exp10) + 1;
    if (digits.size() <= int_len) {
      out = digits + std::string(int_len - digits.size(), '0');
      if (dot_zero) out += ".0";
    } else {
      out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return out;
}

std::string exp_from_digits(const std::string& digits, int exp10, bool two_digit_exp) {
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out.append(".").append(digits, 1);
  out += exp10 < 0 ? "e-" : "e+";
  std::string e = std::to_string(std::abs(exp10));
  if (two_digit_exp && e.size() < 2) e = "0" + e;
  return out + e;
}

// JavaScript's Number.prototype.toString.
std::string js_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  if (d == 0) return "0";
  std::string digits;
  int e;
  shortest_digits(d, digits, e);
  std::string body = (e >= 21 || e < -7) ? exp_from_digits(digits, e, false) : fixed_from_digits(digits, e, false);
  return (d < 0 ? "-" : "") + body;
}

void append_hex(std::string& out, const char* prefix, unsigned v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*x", width, v);
  out += prefix;
  out += buf;
}

bool write_repr_at(std::string& out, const Value& v, size_t limit, int depth);

bool write_seq(std::string& out, const std::vector<Value>& items, char open, char close, bool tuple, size_t limit,
               int depth) {
  out.push_back(open);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    if (!write_repr_at(out, items[i], limit, depth + 1)) return false;
    if (out.size() > limit) return false;
  }
  if (tuple && items.size() == 1) out.push_back(',');
  out.push_back(close);
  return out.size() <= limit;
}

bool write_dict(std::string& out, const DictData& d, size_t limit, int depth) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : d.items) {
    if (!first) out += ", ";
    first = false;
    if (!write_repr_at(out, k, limit, depth + 1)) return false;
    out += ": ";
    if (!write_repr_at(out, v, limit, depth + 1)) return false;
    if (out.size() > limit) return false;
  }
  out.push_back('}');
  return out.size() <= limit;
}

bool write_str_at(std::string& out, const Value& v, size_t limit, int depth) {
  using K = Value::Kind;
  if (depth > kMaxNesting) {
    out += "...";
    return out.size() <= limit;
  }
  switch (v.kind()) {
    case K::Undefined: return true;
    case K::None: out += "None"; break;
    case K::Bool: out += v.as_bool() ? "True" : "False"; break;
    case K::Int: out += std::to_string(v.as_int()); break;
    case K::Float: out += float_repr(v.as_float()); break;
    case K::String: out += v.str(); break;
    case K::List:
      switch (v.flavor()) {
        case Flavor::Generator: out += std::string("<generator object ") + v.origin() + " at 0x7f0000000000>"; break;
        case Flavor::Iterator: out += "<list_reverseiterator object at 0x7f0000000000>"; break;
        case Flavor::DictKeys: case Flavor::DictValues: case Flavor::DictItems:
          out += type_name(v) + "(";
          if (!write_seq(out, v.items(), '[', ']', false, limit, depth)) return false;
          out += ")";
          break;
        default: return write_seq(out, v.items(), '[', ']', false, limit, depth);
      }
      break;
    case K::Tuple: return write_seq(out, v.items(), '(', ')', true, limit, depth);
    case K::Dict: return write_dict(out, v.dict(), limit, depth);
    case K::Namespace:
      out += "<Namespace ";
      if (!write_dict(out, v.ns_attrs(), limit, depth)) return false;
      out += ">";
      break;
    case K::Function:
      if (v.function().kind == Function::Kind::Macro) {
        out += "<Macro ";
        append_repr_string(out, v.function().name);
        out += ">";
      } else {
        out += "<built-in function " + v.function().name + ">";
      }
      break;
    case K::Object: out += v.object().repr(); break;
  }
  return out.size() <= limit;
}

bool write_repr_at(std::string& out, const Value& v, size_t limit, int depth) {
  if (v.is_string()) {
    if (v.is_safe()) out += "Markup(";
    append_repr_string(out, v.str());
    if (v.is_safe()) out += ")";
    return out.size() <= limit;
  }
  if (v.is_undefined()) {
    out += "Undefined";
    return out.size() <= limit;
  }
  return write_str_at(out, v, limit, depth);
}

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || (ensure_ascii && c == 0x7F)) append_hex(out, "\\u", c, 4);
          else out.push_back(static_cast<char>(c));
      }
      continue;
    }
    size_t start = i;
    char32_t cp = unicode::next(s, i);
    if (!ensure_ascii) {
      out.append(s.substr(start, i - start));
    } else if (cp >= 0x10000) {
      char32_t v = cp - 0x10000;
      append_hex(out, "\\u", 0xD800 + (v >> 10), 4);
      append_hex(out, "\\u", 0xDC00 + (v & 0x3FF), 4);
    } else {
      append_hex(out, "\\u", cp, 4);
    }
  }
  out.push_back('"');
}

struct JsonWriter {
  JsonWriter(const JsonOptions& o, size_t lim, bool js = false) : opt(o), limit(lim), js_numbers(js), undefined_ok(js) {}
  const JsonOptions& opt;
  size_t limit;
  bool js_numbers;    // JSON.stringify spelling of floats (1.0 -> 1)
  bool undefined_ok;  // @huggingface/jinja prints Undefined as `undefined`
  std::string out;
  std::string error;

  void newline(int level) {
    out.push_back('\n');
    for (int i = 0; i < level; ++i) out += *opt.indent;
  }

  bool key(const Value& k) {
    switch (k.kind()) {
      case Value::Kind::String: append_json_string(out, k.str(), opt.ensure_ascii); return true;
      case Value::Kind::Int: out.append("\"").append(std::to_string(k.as_int())).append("\""); return true;
      case Value::Kind::Bool: out += k.as_bool() ? "\"true\"" : "\"false\""; return true;
      case Value::Kind::None: out += "\"null\""; return true;
      case Value::Kind::Float: {
        std::string f;
        if (!number(k.as_float(), f)) return false;
        out.append("\"").append(f).append("\"");
        return true;
      }
      default:
        error = "keys must be str, int, float, bool or None, not " + type_name(k);
        return false;
    }
  }

  bool number(double d, std::string& s) {
    if (js_numbers || opt.js_numbers) {
      s = std::isfinite(d) ? js_number(d) : "null";
      return true;
    }
    if (std::isnan(d)) s = "NaN";
    else if (std::isinf(d)) s = d < 0 ? "-Infinity" : "Infinity";
    else s = float_repr(d);
    return true;
  }

  bool write(const Value& v, int level) {
    using K = Value::Kind;
    if (level > kMaxNesting) {
      error = "value nested too deeply for JSON";
      return false;
    }
    if (out.size() > limit) {
      error = "output too large";
      return false;
    }
    switch (v.kind()) {
      case K::None: out += "null"; return true;
      case K::Bool: out += v.as_bool() ? "true" : "false"; return true;
      case K::Int: out += std::to_string(v.as_int()); return true;
      case K::Float: {
        std::string s;
        number(v.as_float(), s);
        out += s;
        return true;
      }
      case K::String: append_json_string(out, v.str(), opt.ensure_ascii); return true;
      case K::List: case K::Tuple: {
        if (v.flavor() != Flavor::List && !js_numbers && !opt.js_numbers) break;  // generators and views are not JSON
        const auto& items = v.items();
        if (items.empty()) {
          out += "[]";
          return true;
        }
        out.push_back('[');
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += opt.item_sep;
          if (opt.indent) newline(level + 1);
          if (!write(items[i], level + 1)) return false;
        }
        if (opt.indent) newline(level);
        out.push_back(']');
        return true;
      }
      case K::Dict: case K::Namespace: {
        if (v.is_namespace() && !js_numbers) break;  // json.dumps cannot serialize a Namespace
        const DictData& d = v.is_dict() ? v.dict() : v.ns_attrs();
        if (d.items.empty()) {
          out += "{}";
          return true;
        }
        std::vector<const std::pair<Value, Value>*> order;
        for (const auto& kv : d.items) order.push_back(&kv);
        if (opt.sort_keys) {
          auto sorted = stable_sort(order, [](auto* a, auto* b) { return compare(a->first, b->first); });
          if (!sorted) {
            error = sorted.error().message;
            return false;
          }
        }
        out.push_back('{');
        bool first = true;
        for (const auto* kv : order) {
          if (!first) out += opt.item_sep;
          first = false;
          if (opt.indent) newline(level + 1);
          if (!key(kv->first)) return false;
          out += opt.key_sep;
          if (!write(kv->second, level + 1)) return false;
        }
        if (opt.indent) newline(level);
        out.push_back('}');
        return true;
      }
      case K::Undefined:
        if (undefined_ok) {
          out += "undefined";
          return true;
        }
        break;
      default: break;
    }
    error = "Object of type " + type_name(v) + " is not JSON serializable";
    return false;
  }
};

}  // namespace

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  std::string digits;
  int e;
  shortest_digits(d, digits, e);
  std::string body = (e < -4 || e >= 16) ? exp_from_digits(digits, e, true) : fixed_from_digits(digits, e, true);
  return (d < 0 ? "-" : "") + body;
}

void append_repr_string(std::string& out, std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  out.push_back(quote);
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    char32_t c = unicode::next(s, i);
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x80 ? (c < 0x20 || c == 0x7F) : !unicode::is_printable(c)) {
      if (c <= 0xFF) append_hex(out, "\\x", c, 2);
      else if (c <= 0xFFFF) append_hex(out, "\\u", c, 4);
      else append_hex(out, "\\U", c, 8);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  out.push_back(quote);
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

bool write_str(std::string& out, const Value& v, size_t limit) { return write_str_at(out, v, limit, 0); }
bool write_repr(std::string& out, const Value& v, size_t limit) { return write_repr_at(out, v, limit, 0); }

std::string to_str(const Value& v) {
  if (v.is_string()) return v.str();
  std::string out;
  write_str(out, v);
  return out;
}

std::string to_repr(const Value& v) {
  std::string out;
  write_repr(out, v);
  return out;
}

util::Result<std::string> to_json(const Value& v, const JsonOptions& opt, size_t limit) {
  JsonWriter w(opt, limit);
  if (!w.write(v, 0)) return util::fail(w.error);
  if (w.out.size() > limit) return util::fail("output too large");
  return std::move(w.out);
}

namespace {
// A RuntimeValue's toString() in @huggingface/jinja (list elements).
bool write_js_element(std::string& out, const Value& v, size_t limit) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::Undefined: out += "undefined"; break;
    case K::None: out += "null"; break;
    case K::Bool: out += v.as_bool() ? "true" : "false"; break;
    case K::Int: out += std::to_string(v.as_int()); break;
    case K::Float: {
      double d = v.as_float();
      out += std::isfinite(d) && d == std::floor(d) ? js_number(d) + ".0" : js_number(d);
      break;
    }
    case K::String: out += v.str(); break;
    case K::List: case K::Tuple: case K::Dict: case K::Namespace: {
      JsonOptions opt;
      JsonWriter w(opt, limit, true);
      if (!w.write(v, 0)) return false;
      out += w.out;
      break;
    }
    default: return write_str(out, v, limit);
  }
  return out.size() <= limit;
}
}  // namespace

bool write_js_display(std::string& out, const Value& v, size_t limit) {
  if (v.is_none() || v.is_undefined()) return true;  // {{ }} prints nothing for null and undefined
  return write_js_element(out, v, limit);
}

bool write_js(std::string& out, const Value& v, size_t limit) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::Float: out += js_number(v.as_float()); break;
    case K::Dict: case K::Namespace: out += "[object Map]"; break;
    case K::List: case K::Tuple: {
      const auto& items = v.items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out.push_back(',');
        if (!write_js_element(out, items[i], limit)) return false;
      }
      break;
    }
    default: return write_js_element(out, v, limit);
  }
  return out.size() <= limit;
}

}  // namespace heft::jinja
