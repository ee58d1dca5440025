#include "jinja/strformat.h"

#include <cmath>
#include <cstdio>

#include "jinja/format.h"
#include "jinja/interpreter.h"
#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

struct Spec {
  char fill = ' ';
  char align = 0;  // < > ^ =
  char sign = '-';
  bool alt = false, zero = false, comma = false;
  int width = -1, precision = -1;
  char type = 0;
};

std::string pad(std::string body, const Spec& sp, char default_align) {
  size_t len = unicode::length(body);
  if (sp.width < 0 || len >= static_cast<size_t>(sp.width)) return body;
  size_t n = static_cast<size_t>(sp.width) - len;
  char align = sp.align ? sp.align : default_align;
  if (align == '<') return body + std::string(n, sp.fill);
  if (align == '^') return std::string(n / 2, sp.fill) + body + std::string(n - n / 2, sp.fill);
  if (align == '=') {
    size_t signlen = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
    return body.substr(0, signlen) + std::string(n, sp.fill) + body.substr(signlen);
  }
  return std::string(n, sp.fill) + body;
}

std::string group_thousands(const std::string& digits) {
  std::string out;
  int count = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    out.insert(out.begin(), digits[i]);
    if (++count % 3 == 0 && i > 0) out.insert(out.begin(), ',');
  }
  return out;
}

// Formats a number per spec type (d x o b f e g %); value already numeric.
util::Result<std::string> format_number(const Value& v, const Spec& sp) {
  char type = sp.type;
  std::string body;
  bool neg = false;
  if (type == 0) type = v.is_float() ? 'r' : 'd';
  if (type == 'd' || type == 'x' || type == 'X' || type == 'o' || type == 'b' || type == 'c') {
    if (v.is_float()) return util::fail(std::string("Unknown format code '") + type + "' for object of type 'float'");
    int64_t i = v.as_int();
    neg = i < 0;
    uint64_t u = neg ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
    if (type == 'c') {
      unicode::append(body, static_cast<char32_t>(u));
      return pad(body, sp, '<');
    }
    if (type == 'd') body = std::to_string(u);
    else {
      int base = type == 'o' ? 8 : type == 'b' ? 2 : 16;
      const char* digits = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      do {
        body.insert(body.begin(), digits[u % static_cast<uint64_t>(base)]);
        u /= static_cast<uint64_t>(base);
      } while (u);
      if (sp.alt) body = std::string("0") + (type == 'o' ? "o" : type == 'b' ? "b" : type == 'X' ? "X" : "x") + body;
    }
    if (sp.comma && type == 'd') body = group_thousands(body);
  } else {
    double d = v.as_float();
    neg = std::signbit(d) && !std::isnan(d);
    d = std::fabs(d);
    if (type == 'r') {
      body = float_repr(d);
    } else {
      int prec = sp.precision < 0 ? 6 : sp.precision;
      char conv = type == '%' ? 'f' : type;
      if (type == '%') d *= 100;
      if (conv == 'F') conv = 'f';
      if (conv != 'f' && conv != 'e' && conv != 'E' && conv != 'g' && conv != 'G')
        return util::fail(std::string("Unknown format code '") + type + "' for object of type 'float'");
      std::string fmt = std::string("%") + (sp.alt ? "#" : "") + "." + std::to_string(prec) + conv;
      char buf[512];
      if (std::isfinite(d) && d > 1e300 && conv == 'f') return util::fail("number too large to format");
      std::snprintf(buf, sizeof buf, fmt.c_str(), d);
      body = buf;
      if (type == '%') body += "%";
      if (sp.comma) {
        size_t dot = body.find_first_not_of("0123456789");
        body = group_thousands(body.substr(0, dot)) + (dot == std::string::npos ? "" : body.substr(dot));
      }
    }
  }
  std::string sign = neg ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
  if (sp.zero && sp.width > 0 && !sp.align) {
    Spec z = sp;
    z.fill = '0';
    z.align = '=';
    return pad(sign + body, z, '>');
  }
  return pad(sign + body, sp, '>');
}

Spec parse_spec(std::string_view s) {
  Spec sp;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (s.size() >= 2 && is_align(s[1])) {
    sp.fill = s[0];
    sp.align = s[1];
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    sp.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
  if (i < s.size() && s[i] == '#') sp.alt = true, ++i;
  if (i < s.size() && s[i] == '0') sp.zero = true, ++i;
  int w = 0;
  bool has_w = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && w < 100000) w = w * 10 + (s[i++] - '0'), has_w = true;
  if (has_w) sp.width = w;
  if (i < s.size() && s[i] == ',') sp.comma = true, ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int p = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && p < 100000) p = p * 10 + (s[i++] - '0');
    sp.precision = p;
  }
  if (i < s.size()) sp.type = s[i];
  return sp;
}

util::Result<std::string> format_value(Interpreter& in, const Value& v, std::string_view spec_text) {
  Spec sp = parse_spec(spec_text);
  if (sp.width > static_cast<int>(in.limits().max_output)) return util::fail("format width too large");
  if (v.is_number() && !(v.is_bool() && sp.type == 0)) {
    if (sp.type == 's') return util::fail("Unknown format code 's' for object of type '" + type_name(v) + "'");
    return format_number(v, sp);
  }
  std::string s = HEFT_TRY(in.str(v));
  if (sp.type && sp.type != 's') return util::fail(std::string("Unknown format code '") + sp.type + "' for object of type '" + type_name(v) + "'");
  if (sp.precision >= 0) {
    std::u32string w = unicode::decode(s);
    if (w.size() > static_cast<size_t>(sp.precision)) s = unicode::encode(w.substr(0, static_cast<size_t>(sp.precision)));
  }
  return pad(s, sp, '<');
}

}  // namespace

util::Result<std::string> percent_format(Interpreter& in, std::string_view fmt, const Value& args) {
  std::vector<Value> list;
  const DictData* mapping = nullptr;
  if (args.is_tuple()) list = args.items();
  else {
    list.push_back(args);
    if (args.is_dict()) mapping = &args.dict();
  }
  size_t next = 0;
  bool used_mapping = false;
  std::string out;
  auto take = [&]() -> util::Result<Value> {
    if (next >= list.size()) return util::fail("not enough arguments for format string");
    return list[next++];
  };
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) return util::fail("incomplete format");
    Value arg;
    bool have_arg = false;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) return util::fail("incomplete format key");
      if (!mapping) return util::fail("format requires a mapping");
      const Value* v = mapping->find(fmt.substr(i + 1, close - i - 1));
      if (!v) return util::fail("KeyError: '" + std::string(fmt.substr(i + 1, close - i - 1)) + "'");
      arg = *v;
      have_arg = used_mapping = true;
      i = close + 1;
    }
    Spec sp;
    std::string flags;
    for (; i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos; ++i) {
      if (fmt[i] == '-') sp.align = '<';
      else if (fmt[i] == '+') sp.sign = '+';
      else if (fmt[i] == ' ' && sp.sign != '+') sp.sign = ' ';
      else if (fmt[i] == '#') sp.alt = true;
      else if (fmt[i] == '0') sp.zero = true;
    }
    if (i < fmt.size() && fmt[i] == '*') {
      Value w = HEFT_TRY(take());
      if (!w.is_integral()) return util::fail("* wants int");
      sp.width = static_cast<int>(std::min<int64_t>(std::abs(w.as_int()), 1 << 20));
      ++i;
    } else {
      int w = 0;
      bool has = false;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9' && w < (1 << 20)) w = w * 10 + (fmt[i++] - '0'), has = true;
      if (has) sp.width = w;
    }
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      int p = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9' && p < (1 << 20)) p = p * 10 + (fmt[i++] - '0');
      sp.precision = p;
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) return util::fail("incomplete format");
    char c = fmt[i];
    if (c == '%') {
      out.push_back('%');
      continue;
    }
    if (!have_arg) arg = HEFT_TRY(take());
    if (sp.zero && sp.align == '<') sp.zero = false;
    if (sp.width > static_cast<int>(in.limits().max_output)) return util::fail("format width too large");
    std::string piece;
    switch (c) {
      case 's': case 'r': case 'a': {
        piece = c == 's' ? HEFT_TRY(in.str(arg)) : to_repr(arg);
        if (sp.precision >= 0) {
          std::u32string w = unicode::decode(piece);
          if (w.size() > static_cast<size_t>(sp.precision))
            piece = unicode::encode(w.substr(0, static_cast<size_t>(sp.precision)));
        }
        Spec s2 = sp;
        s2.zero = false;
        piece = pad(piece, s2, '>');
        break;
      }
      case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c': {
        if (!arg.is_number()) {
          if (c == 'c' && arg.is_string() && unicode::length(arg.str()) == 1) {
            piece = pad(arg.str(), sp, '>');
            break;
          }
          return util::fail(std::string("%") + c + " format: a real number is required, not " + type_name(arg));
        }
        Value iv = arg.is_float() ? Value(static_cast<int64_t>(std::trunc(arg.as_float()))) : Value(arg.as_int());
        if (arg.is_float() && !std::isfinite(arg.as_float())) return util::fail("cannot convert float to integer");
        Spec s2 = sp;
        s2.type = (c == 'i' || c == 'u') ? 'd' : c;
        if (s2.type != 'd') s2.alt = sp.alt;
        piece = HEFT_TRY(format_number(iv, s2));
        break;
      }
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
        if (!arg.is_number()) return util::fail("must be real number, not " + type_name(arg));
        Spec s2 = sp;
        s2.type = c;
        piece = HEFT_TRY(format_number(Value(arg.as_float()), s2));
        break;
      }
      default:
        return util::fail(std::string("unsupported format character '") + c + "'");
    }
    out += piece;
    if (out.size() > in.limits().max_output) return util::fail("string too large");
  }
  if (!used_mapping && next < list.size() && !(list.size() == 1 && mapping))
    return util::fail("not all arguments converted during string formatting");
  HEFT_TRY(in.charge(out.size()));
  return out;
}

util::Result<std::string> brace_format(Interpreter& in, std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      return util::fail("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string_view::npos) return util::fail("Single '{' encountered in format string");
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string_view spec, conv;
    if (size_t colon = field.find(':'); colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (size_t bang = field.find('!'); bang != std::string_view::npos) {
      conv = field.substr(bang + 1);
      field = field.substr(0, bang);
    }
    // The first part names the argument; `.attr` and `[key]` parts follow.
    size_t end = field.find_first_of(".[");
    std::string_view head = field.substr(0, end);
    Value v;
    if (head.empty()) {
      if (auto_index >= args.positional.size()) return util::fail("Replacement index " + std::to_string(auto_index) + " out of range for positional args tuple");
      v = args.positional[auto_index++];
    } else if (head.find_first_not_of("0123456789") == std::string_view::npos) {
      size_t idx = std::stoul(std::string(head.substr(0, 9)));
      if (idx >= args.positional.size()) return util::fail("Replacement index " + std::string(head) + " out of range for positional args tuple");
      v = args.positional[idx];
    } else {
      bool found = false;
      for (const auto& [k, val] : args.keyword)
        if (k == head) v = val, found = true;
      if (!found) return util::fail("KeyError: '" + std::string(head) + "'");
    }
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : field.substr(end);
    while (!rest.empty()) {
      if (rest[0] == '.') {
        size_t n = rest.find_first_of(".[", 1);
        std::string_view attr = rest.substr(1, n == std::string_view::npos ? std::string_view::npos : n - 1);
        if (attr.starts_with("_")) return util::fail("access to attribute '" + std::string(attr) + "' is unsafe");
        v = HEFT_TRY(in.getattr(v, attr));
        rest = n == std::string_view::npos ? std::string_view{} : rest.substr(n);
      } else {
        size_t n = rest.find(']');
        if (n == std::string_view::npos) return util::fail("Missing ']' in format string");
        std::string_view key = rest.substr(1, n - 1);
        Value k = key.find_first_not_of("0123456789") == std::string_view::npos && !key.empty()
                      ? Value(static_cast<int64_t>(std::stoll(std::string(key.substr(0, 18)))))
                      : Value(key);
        v = HEFT_TRY(in.getitem(v, k));
        rest = rest.substr(n + 1);
      }
    }
    if (conv == "r" || conv == "a") v = Value(to_repr(v));
    else if (conv == "s") v = Value(HEFT_TRY(in.str(v)));
    else if (!conv.empty()) return util::fail("Unknown conversion specifier " + std::string(conv));
    out += HEFT_TRY(format_value(in, v, spec));
    if (out.size() > in.limits().max_output) return util::fail("string too large");
  }
  HEFT_TRY(in.charge(out.size()));
  return out;
}

}  // namespace heft::jinja
