#include "jinja/lexer.h"

#include <cstring>

#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? true : c == '_' || c >= 0x80; }
bool is_name_char(unsigned char c) { return is_name_start(c) || is_digit(static_cast<char>(c)); }

// Python's \s at s[i] (ASCII and Unicode whitespace); returns its length in bytes or 0.
size_t space_at(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F)) ? 1 : 0;
  size_t j = i;
  return unicode::is_space(unicode::next(s, j)) ? j - i : 0;
}

// Length of the whitespace run at the end of s.
size_t trailing_space(std::string_view s) {
  size_t n = s.size();
  while (n > 0) {
    // Step back one code point.
    size_t start = n - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && n - start < 4) --start;
    if (space_at(s, start) != n - start) break;
    n = start;
  }
  return s.size() - n;
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size()) {
    size_t n = space_at(s, i);
    if (!n) break;
    i += n;
  }
  return i;
}

// Python's string literal unescaping ("unicode-escape"): unknown escapes keep their backslash.
util::Result<std::string> unescape(std::string_view body, size_t offset) {
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out.push_back(c);
      continue;
    }
    char e = body[++i];
    auto hex = [&](int digits) -> util::Result<char32_t> {
      char32_t v = 0;
      for (int k = 1; k <= digits; ++k) {
        if (i + k >= body.size()) return util::fail("truncated \\" + std::string(1, e) + " escape", {}, offset);
        char h = body[i + k];
        int d = is_digit(h) ? h - '0' : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10 : -1;
        if (d < 0) return util::fail("truncated \\" + std::string(1, e) + " escape", {}, offset);
        v = v * 16 + static_cast<char32_t>(d);
      }
      i += digits;
      return v;
    };
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': out.push_back('\\'); break;
      case '\'': out.push_back('\''); break;
      case '"': out.push_back('"'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case 'x': case 'u': case 'U': {
        char32_t v = HEFT_TRY(hex(e == 'x' ? 2 : e == 'u' ? 4 : 8));
        if (v > 0x10FFFF) return util::fail("illegal Unicode character", {}, offset);
        unicode::append(out, v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          char32_t v = static_cast<char32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
            v = v * 8 + static_cast<char32_t>(body[++i] - '0');
          unicode::append(out, v);
        } else {
          out.push_back('\\');
          out.push_back(e);
        }
    }
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string src) { out_.source = std::move(src); }

  util::Result<Lexed> run() {
    const std::string& s = out_.source;
    size_t pos = 0;
    bool line_starting = true;
    while (pos < s.size()) {
      size_t tag = find_tag(pos);
      if (tag == std::string::npos) {
        push(Tok::Text, s.substr(pos), pos);
        break;
      }
      char kind = s[tag + 1];  // '{', '%' or '#'
      char sign = tag + 2 < s.size() && (s[tag + 2] == '-' || s[tag + 2] == '+') ? s[tag + 2] : 0;
      std::string_view text(s.data() + pos, tag - pos);
      if (sign == '-') {
        text.remove_suffix(trailing_space(text));
      } else if (sign != '+' && kind != '{') {
        // lstrip_blocks: drop the indentation before a block or comment tag on its own line start.
        size_t nl = text.rfind('\n');
        size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
        if ((l_pos > 0 || line_starting) && l_pos < text.size() &&
            trailing_space(text.substr(l_pos)) == text.size() - l_pos)
          text = text.substr(0, l_pos);
      }
      if (!text.empty()) push(Tok::Text, std::string(text), pos);
      size_t body = tag + 2 + (sign ? 1 : 0);

      if (kind == '#') {
        auto end = HEFT_TRY(comment_end(body, tag));
        pos = end;
      } else if (kind == '%' && is_raw(body)) {
        pos = HEFT_TRY(raw_block(tag));
      } else {
        push(kind == '{' ? Tok::VarBegin : Tok::BlockBegin, {}, tag);
        pos = HEFT_TRY(tag_tokens(body, kind == '%', tag));
      }
      line_starting = pos > 0 && s[pos - 1] == '\n';
    }
    push(Tok::End, {}, s.size());
    return std::move(out_);
  }

 private:
  Lexed out_;

  void push(Tok k, std::string text, size_t offset) {
    out_.tokens.push_back(Token{k, std::move(text), static_cast<uint32_t>(offset)});
  }

  size_t find_tag(size_t from) const {
    const std::string& s = out_.source;
    for (size_t i = s.find('{', from); i != std::string::npos && i + 1 < s.size(); i = s.find('{', i + 1)) {
      char c = s[i + 1];
      if (c == '{' || c == '%' || c == '#') return i;
    }
    return std::string::npos;
  }

  // After a block/comment end: `-` strips all following whitespace, `+` keeps it,
  // otherwise trim_blocks removes one newline.
  size_t after_end(size_t end_pos, char sign, bool trim) const {
    const std::string& s = out_.source;
    if (sign == '-') return skip_space(s, end_pos);
    if (sign != '+' && trim && end_pos < s.size() && s[end_pos] == '\n') return end_pos + 1;
    return end_pos;
  }

  util::Result<size_t> comment_end(size_t body, size_t tag) const {
    const std::string& s = out_.source;
    for (size_t i = s.find("#}", body); i != std::string::npos; i = s.find("#}", i + 1)) {
      char sign = i > body && (s[i - 1] == '-' || s[i - 1] == '+') ? s[i - 1] : 0;
      return after_end(i + 2, sign, true);
    }
    return util::fail("missing end of comment tag", {}, tag);
  }

  bool is_raw(size_t body) const {
    const std::string& s = out_.source;
    size_t i = skip_space(s, body);
    if (s.compare(i, 3, "raw") != 0) return false;
    i += 3;
    return i < s.size() && (space_at(s, i) || s[i] == '%' || s[i] == '-');
  }

  // {% raw %}...{% endraw %}: the body is text, untouched by the lexer.
  util::Result<size_t> raw_block(size_t tag) {
    const std::string& s = out_.source;
    size_t i = skip_space(s, tag + 2 + ((s[tag + 2] == '-' || s[tag + 2] == '+') ? 1 : 0));
    i = skip_space(s, i + 3);
    // The raw begin tag: `-%}` strips following whitespace; no trim_blocks here (as Jinja2).
    if (s.compare(i, 3, "-%}") == 0) i = skip_space(s, i + 3);
    else if (s.compare(i, 2, "%}") == 0) i += 2;
    else return util::fail("expected '%}' after 'raw'", {}, i);
    for (size_t j = s.find("{%", i); j != std::string::npos; j = s.find("{%", j + 1)) {
      char sign = j + 2 < s.size() && (s[j + 2] == '-' || s[j + 2] == '+') ? s[j + 2] : 0;
      size_t k = skip_space(s, j + 2 + (sign ? 1 : 0));
      if (s.compare(k, 6, "endraw") != 0) continue;
      k = skip_space(s, k + 6);
      char end_sign = 0;
      if (k < s.size() && (s[k] == '-' || s[k] == '+')) end_sign = s[k++];
      if (s.compare(k, 2, "%}") != 0) continue;
      std::string_view text(s.data() + i, j - i);
      if (sign == '-') {
        text.remove_suffix(trailing_space(text));
      } else if (sign != '+') {
        size_t nl = text.rfind('\n');
        size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
        if (l_pos > 0 && l_pos < text.size() && trailing_space(text.substr(l_pos)) == text.size() - l_pos)
          text = text.substr(0, l_pos);
      }
      if (!text.empty()) push(Tok::Text, std::string(text), i);
      return after_end(k + 2, end_sign, true);
    }
    return util::fail("missing end of raw directive", {}, tag);
  }

  // Tokens inside {{ }} or {% %}; returns the position after the end tag.
  util::Result<size_t> tag_tokens(size_t i, bool block, size_t tag) {
    const std::string& s = out_.source;
    std::string brackets;  // open ( [ { awaiting their closers
    const char* closer = block ? "%}" : "}}";
    while (true) {
      if (i >= s.size()) return util::fail(block ? "unexpected end of template, expected '%}'" : "unexpected end of template, expected '}}'", {}, tag);
      if (brackets.empty()) {
        if (s[i] == '-' && s.compare(i + 1, 2, closer) == 0) {
          push(block ? Tok::BlockEnd : Tok::VarEnd, {}, i);
          return skip_space(s, i + 3);
        }
        if (block && s[i] == '+' && s.compare(i + 1, 2, closer) == 0) {
          push(Tok::BlockEnd, {}, i);
          return i + 3;
        }
        if (s.compare(i, 2, closer) == 0) {
          push(block ? Tok::BlockEnd : Tok::VarEnd, {}, i);
          return after_end(i + 2, 0, block);
        }
      }
      if (size_t n = space_at(s, i)) {
        i += n;
        continue;
      }
      char c = s[i];
      size_t start = i;
      if (is_digit(c)) {
        i = HEFT_TRY(number(i));
        continue;
      }
      if (is_name_start(static_cast<unsigned char>(c))) {
        while (i < s.size() && is_name_char(static_cast<unsigned char>(s[i]))) ++i;
        push(Tok::Name, s.substr(start, i - start), start);
        continue;
      }
      if (c == '\'' || c == '"') {
        ++i;
        while (i < s.size() && s[i] != c) i += s[i] == '\\' ? 2 : 1;
        if (i >= s.size()) return util::fail("unterminated string", {}, start);
        std::string v = HEFT_TRY(unescape(std::string_view(s).substr(start + 1, i - start - 1), start));
        ++i;
        push(Tok::String, std::move(v), start);
        continue;
      }
      static constexpr const char* kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
      std::string op;
      for (const char* t : kTwo)
        if (s.compare(i, 2, t) == 0) op = t;
      if (op.empty() && std::strchr("+-/*%~[](){}><=.:|,;", c) && c != 0) op = std::string(1, c);
      if (op.empty()) {
        size_t j = i;
        char32_t cp = unicode::next(s, j);
        std::string shown;
        unicode::append(shown, cp);
        return util::fail("unexpected character '" + shown + "'", {}, start);
      }
      if (op == "(" || op == "[" || op == "{") {
        brackets.push_back(op[0] == '(' ? ')' : op[0] == '[' ? ']' : '}');
      } else if (op == ")" || op == "]" || op == "}") {
        if (brackets.empty()) return util::fail("unexpected '" + op + "'", {}, start);
        if (brackets.back() != op[0])
          return util::fail("unexpected '" + op + "', expected '" + std::string(1, brackets.back()) + "'", {}, start);
        brackets.pop_back();
      }
      i += op.size();
      push(Tok::Op, std::move(op), start);
    }
  }

  // Integer or float literal (Python syntax with underscores, 0b/0o/0x prefixes).
  util::Result<size_t> number(size_t i) {
    const std::string& s = out_.source;
    size_t start = i;
    auto digits = [&](size_t j, auto is_ok) {
      // (_?D)* after a first digit
      while (j < s.size()) {
        if (is_ok(s[j])) ++j;
        else if (s[j] == '_' && j + 1 < s.size() && is_ok(s[j + 1])) j += 2;
        else break;
      }
      return j;
    };
    auto dec = [](char c) { return c >= '0' && c <= '9'; };
    std::string clean;
    auto strip = [&](size_t a, size_t b) {
      std::string t;
      for (size_t k = a; k < b; ++k)
        if (s[k] != '_') t.push_back(s[k]);
      return t;
    };
    // Floats first (not right after a '.', so `a.0.1` stays attribute access).
    bool after_dot = start > 0 && s[start - 1] == '.';
    if (!after_dot) {
      size_t j = digits(i + 1, dec);
      size_t k = j;
      bool is_float = false;
      if (k + 1 < s.size() && s[k] == '.' && dec(s[k + 1])) {
        k = digits(k + 2, dec);
        is_float = true;
      }
      if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
        size_t m = k + 1;
        if (m < s.size() && (s[m] == '+' || s[m] == '-')) ++m;
        if (m < s.size() && dec(s[m])) {
          k = digits(m + 1, dec);
          is_float = true;
        }
      }
      if (is_float) {
        push(Tok::Float, strip(start, k), start);
        return k;
      }
    }
    if (s[i] == '0' && i + 1 < s.size() && std::strchr("bBoOxX", s[i + 1]) && s[i + 1] != 0) {
      char p = static_cast<char>(s[i + 1] | 0x20);
      auto ok = [p](char c) {
        if (p == 'b') return c == '0' || c == '1';
        if (p == 'o') return c >= '0' && c <= '7';
        return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
      };
      size_t j = i + 2;
      if (j < s.size() && s[j] == '_') ++j;
      if (j < s.size() && ok(s[j])) {
        j = digits(j + 1, ok);
        push(Tok::Integer, strip(start, j), start);
        return j;
      }
    }
    size_t j = s[i] == '0' ? digits(i + 1, [](char c) { return c == '0'; }) : digits(i + 1, dec);
    push(Tok::Integer, strip(start, j), start);
    return j;
  }
};

}  // namespace

std::string normalize_source(std::string_view source) {
  std::string s;
  s.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      s.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      s.push_back(source[i]);
    }
  }
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

util::Result<Lexed> lex(std::string_view source) {
  std::string s = normalize_source(source);
  if (s.size() > UINT32_MAX - 16) return util::fail("template too large");
  return Lexer(std::move(s)).run();
}

std::string line_col(std::string_view source, uint64_t offset) {
  if (offset > source.size()) offset = source.size();
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (source[i] == '\n') ++line, line_start = i + 1;
  size_t col = unicode::length(source.substr(line_start, offset - line_start)) + 1;
  return std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace heft::jinja
