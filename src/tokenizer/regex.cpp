#include "tokenizer/regex.h"

#include <pcre2.h>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

// The White_Space property as a class body (what Oniguruma's and Rust's \s mean,
// and the set llama.cpp maps onto std::regex's \s).
constexpr std::string_view kSpaceBody = "\\t-\\r\\x{85}\\p{Z}";

bool is_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// Rewrites a pattern of either dialect into PCRE2 syntax with the same meaning.
std::string translate(std::string_view p, RegexDialect d) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  size_t class_start = 0;  // index in `p` just after '[' or '[^'
  const bool ecma = d == RegexDialect::Ecma;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      std::string_view rest = p.substr(i + 2);
      auto body_or_class = [&](std::string_view body, bool negate) {
        if (in_class) {
          out += body;  // negated forms inside a class fall back to PCRE2's own escape
        } else {
          out += negate ? "[^" : "[";
          out += body;
          out += ']';
        }
      };
      if (e == 's') {
        body_or_class(kSpaceBody, false);
      } else if (e == 'S' && !in_class) {
        body_or_class(kSpaceBody, true);
      } else if (ecma && e == 'd') {
        body_or_class("0-9", false);
      } else if (ecma && e == 'D' && !in_class) {
        body_or_class("0-9", true);
      } else if (ecma && e == 'w') {
        body_or_class("A-Za-z0-9_", false);
      } else if (ecma && e == 'W' && !in_class) {
        body_or_class("A-Za-z0-9_", true);
      } else if (ecma && (e == 'b' || e == 'B') && !in_class) {
        out += e == 'b' ? "(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]))"
                        : "(?:(?<=[A-Za-z0-9_])(?=[A-Za-z0-9_])|(?<![A-Za-z0-9_])(?![A-Za-z0-9_]))";
      } else if (ecma && (e == 'p' || e == 'P') && rest.size() >= 4 && rest[0] == '{' && rest[1] == 'L' &&
                 rest[3] == '}' && std::string_view("ultmo").find(rest[2]) != std::string_view::npos) {
        out += '\\';
        out += e;
        out += "{L}";
        i += 4;
      } else if (e == 'u' && rest.size() >= 4 && is_hex(rest[0]) && is_hex(rest[1]) && is_hex(rest[2]) &&
                 is_hex(rest[3])) {
        out += "\\x{";
        out += rest.substr(0, 4);
        out += '}';
        i += 4;
      } else {
        out += c;
        out += e;
      }
      ++i;
      continue;
    }
    if (!in_class) {
      if (c == '[') {
        in_class = true;
        out += c;
        if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
        class_start = i + 1;
        continue;
      }
      out += c;
      continue;
    }
    // inside a class
    if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      size_t close = p.find(":]", i + 2);
      if (close != std::string_view::npos) {
        out += p.substr(i, close + 2 - i);
        i = close + 1;
        continue;
      }
    }
    if (c == '[') {  // a literal '[' inside a class (ECMAScript/Onig allow it unescaped)
      out += "\\[";
      continue;
    }
    if (c == ']' && i != class_start) in_class = false;
    out += c;
  }
  return out;
}

struct JitResources {
  pcre2_jit_stack* stack = nullptr;
  pcre2_match_context* context = nullptr;
  JitResources() {
    stack = pcre2_jit_stack_create(32 * 1024, 16 * 1024 * 1024, nullptr);
    context = pcre2_match_context_create(nullptr);
    if (stack && context) pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~JitResources() {
    if (context) pcre2_match_context_free(context);
    if (stack) pcre2_jit_stack_free(stack);
  }
};

pcre2_match_context* thread_match_context() {
  thread_local JitResources r;
  return r.context;
}

}  // namespace

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() {
    if (code) pcre2_code_free(code);
  }
};

util::Result<Regex> Regex::compile(std::string_view pattern, RegexDialect dialect) {
  std::string translated = translate(pattern, dialect);
  uint32_t options = PCRE2_UTF | PCRE2_UCP;
  options |= dialect == RegexDialect::Ecma ? PCRE2_DOLLAR_ENDONLY : PCRE2_MULTILINE;
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  pcre2_compile_context* cc = pcre2_compile_context_create(nullptr);
  if (cc) pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(), options, &err,
                                   &err_offset, cc);
  if (cc) pcre2_compile_context_free(cc);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return util::fail("cannot compile regex '" + std::string(pattern) + "': " + reinterpret_cast<char*>(msg) +
                      " (at offset " + std::to_string(err_offset) + ")");
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // failure is fine: the interpreter still works
  Regex r;
  auto c = std::make_shared<Code>();
  c->code = code;
  r.code_ = std::move(c);
  r.pattern_ = std::string(pattern);
  return r;
}

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  if (!code_ || text.empty() || !unicode::is_valid_utf8(text)) return out;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  if (!md) return out;
  pcre2_match_context* mc = thread_match_context();
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;
  size_t last_end = std::string_view::npos;
  auto next_char = [&](size_t at) { return at + unicode::lead_length(static_cast<uint8_t>(text[at])); };
  while (start <= text.size()) {
    int rc = pcre2_match(code_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, md, mc);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)  // JIT stack or match limit: retry with the interpreter
      rc = pcre2_match(code_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, mc);
    if (rc < 0) break;  // no match, or still over a limit: the rest stays one unmatched span
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t s = ov[0], e = ov[1];
    if (s > text.size() || e > text.size() || e < s) break;
    if (s == e) {
      if (s != last_end) out.emplace_back(s, e);
      last_end = e;
      if (s >= text.size()) break;
      start = next_char(s);
      continue;
    }
    out.emplace_back(s, e);
    last_end = e;
    start = e;
  }
  pcre2_match_data_free(md);
  return out;
}

std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}-#&~ \t\n\r\f\v").find(c) != std::string_view::npos) {
      if (c == '\t') out += "\\t";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\f') out += "\\f";
      else if (c == '\v') out += "\\v";
      else {
        out += '\\';
        out += c;
      }
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace heft::tokenizer
