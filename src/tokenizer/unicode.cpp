#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <memory>

namespace heft::tokenizer::unicode {

namespace {

// Valid second-byte range for a lead byte (Unicode Table 3-7), 0 when the lead is invalid.
struct LeadInfo {
  uint8_t len;
  uint8_t lo;
  uint8_t hi;
};

LeadInfo lead_info(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Bytes of `s` from `at` that form a valid (possibly truncated) prefix of a sequence.
// Sets `complete` when the whole sequence is there.
size_t valid_prefix(std::string_view s, size_t at, bool& complete) {
  complete = false;
  auto b0 = static_cast<uint8_t>(s[at]);
  LeadInfo li = lead_info(b0);
  if (li.len == 0) return 0;
  if (li.len == 1) {
    complete = true;
    return 1;
  }
  size_t n = 1;
  for (; n < li.len; ++n) {
    if (at + n >= s.size()) return n;
    auto b = static_cast<uint8_t>(s[at + n]);
    uint8_t lo = n == 1 ? li.lo : 0x80, hi = n == 1 ? li.hi : 0xBF;
    if (b < lo || b > hi) return n;
  }
  complete = true;
  return n;
}

}  // namespace

size_t decode_valid(std::string_view s, size_t at, uint32_t& cp) {
  bool complete;
  size_t n = valid_prefix(s, at, complete);
  if (!complete) return 0;
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[at + i])); };
  switch (n) {
    case 1: cp = b(0); break;
    case 2: cp = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F); break;
    case 3: cp = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F); break;
    default: cp = ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F); break;
  }
  return n;
}


std::string to_utf8(uint32_t cp) {
  std::string s;
  append_utf8(s, cp);
  return s;
}

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    bool complete;
    size_t n = valid_prefix(s, i, complete);
    if (!complete) return false;
    i += n;
  }
  return true;
}

size_t incomplete_tail(std::string_view s) {
  size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    auto b = static_cast<uint8_t>(s[n - back]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    bool complete;
    size_t got = valid_prefix(s, n - back, complete);
    return (!complete && got == back) ? back : 0;
  }
  return 0;
}

std::string to_valid_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      out.push_back(s[i++]);
      continue;
    }
    bool complete;
    size_t n = valid_prefix(s, i, complete);
    if (complete) {
      out.append(s.substr(i, n));
    } else {
      append_utf8(out, kReplacement);
      if (n == 0) n = 1;
    }
    i += n;
  }
  return out;
}

std::vector<uint32_t> codepoints_lenient(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  auto at = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i])); };
  for (size_t i = 0; i < s.size();) {
    uint32_t b0 = at(i);
    // Same acceptance rule as llama.cpp: the lead byte's length and continuation
    // bits are checked, overlong forms are not.
    size_t len = 0;
    uint32_t cp = 0;
    if (!(b0 & 0x80)) {
      len = 1, cp = b0;
    } else if (!(b0 & 0x40)) {
      len = 0;
    } else if (!(b0 & 0x20)) {
      if (i + 1 < s.size() && (at(i + 1) & 0xC0) == 0x80) len = 2, cp = ((b0 & 0x1F) << 6) | (at(i + 1) & 0x3F);
    } else if (!(b0 & 0x10)) {
      if (i + 2 < s.size() && (at(i + 1) & 0xC0) == 0x80 && (at(i + 2) & 0xC0) == 0x80)
        len = 3, cp = ((b0 & 0x0F) << 12) | ((at(i + 1) & 0x3F) << 6) | (at(i + 2) & 0x3F);
    } else if (!(b0 & 0x08)) {
      if (i + 3 < s.size() && (at(i + 1) & 0xC0) == 0x80 && (at(i + 2) & 0xC0) == 0x80 && (at(i + 3) & 0xC0) == 0x80)
        len = 4, cp = ((b0 & 0x07) << 18) | ((at(i + 1) & 0x3F) << 12) | ((at(i + 2) & 0x3F) << 6) | (at(i + 3) & 0x3F);
    }
    if (len == 0) {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacement;
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::vector<uint32_t> codepoints(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = decode_valid(s, i, cp);
    if (n == 0) {
      out.push_back(kReplacement);
      n = 1;
    } else {
      out.push_back(cp);
    }
    i += n;
  }
  return out;
}

// ---- properties ----

namespace {
utf8proc_category_t cat(uint32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}
}  // namespace

Category category(uint32_t cp) {
  switch (cat(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
      return Category::Letter;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
      return Category::Mark;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return Category::Number;
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return Category::Punctuation;
    case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC: case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
      return Category::Symbol;
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
      return Category::Separator;
    default:
      return Category::Other;
  }
}

bool is_letter(uint32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return category(cp) == Category::Letter;
}
bool is_number(uint32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return category(cp) == Category::Number;
}
bool is_decimal(uint32_t cp) { return cat(cp) == UTF8PROC_CATEGORY_ND; }
bool is_punctuation(uint32_t cp) { return category(cp) == Category::Punctuation; }
bool is_symbol(uint32_t cp) { return category(cp) == Category::Symbol; }
bool is_mark(uint32_t cp) { return category(cp) == Category::Mark; }
bool is_mark_nonspacing(uint32_t cp) { return cat(cp) == UTF8PROC_CATEGORY_MN; }
bool is_other(uint32_t cp) { return category(cp) == Category::Other; }
bool is_control(uint32_t cp) { return cat(cp) == UTF8PROC_CATEGORY_CC; }

bool is_whitespace(uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
  return cp == 0x85 || category(cp) == Category::Separator;
}

bool is_word(uint32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || cp == '_';
  if (cp == 0x200C || cp == 0x200D) return true;
  switch (cat(cp)) {
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_PC: return true;
    default: break;
  }
  Category c = category(cp);
  return c == Category::Letter || c == Category::Mark;
}

bool is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

uint32_t to_lower_simple(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  return static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}

void append_lower(std::string& out, uint32_t cp) {
  if (cp == 0x130) {  // SpecialCasing: LATIN CAPITAL LETTER I WITH DOT ABOVE -> i + COMBINING DOT ABOVE
    out += "i\xCC\x87";
    return;
  }
  append_utf8(out, to_lower_simple(cp));
}

std::string lowercase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
      ++i;
      continue;
    }
    uint32_t cp;
    size_t n = decode_valid(s, i, cp);
    if (n == 0) {
      out.push_back(s[i++]);
      continue;
    }
    append_lower(out, cp);
    i += n;
  }
  return out;
}

std::string normalize(std::string_view s, Form form) {
  bool ascii = true;
  for (char c : s)
    if (static_cast<uint8_t>(c) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return std::string(s);  // every form leaves ASCII unchanged
  int options = UTF8PROC_STABLE;
  switch (form) {
    case Form::NFC: options |= UTF8PROC_COMPOSE; break;
    case Form::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case Form::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case Form::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
  }
  utf8proc_uint8_t* dst = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &dst,
                                    static_cast<utf8proc_option_t>(options));
  if (n < 0) {
    std::free(dst);
    return std::string(s);  // invalid input: callers pass valid UTF-8, so this does not happen
  }
  std::string out(reinterpret_cast<const char*>(dst), static_cast<size_t>(n));
  std::free(dst);
  return out;
}

// ---- byte-level alphabet ----

namespace {
struct ByteTables {
  std::array<uint32_t, 256> cp{};
  std::array<std::string, 256> utf8;
  std::array<int16_t, 512> back{};
  ByteTables() {
    back.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      cp[b] = printable ? static_cast<uint32_t>(b) : static_cast<uint32_t>(256 + n++);
      utf8[b] = to_utf8(cp[b]);
      back[cp[b]] = static_cast<int16_t>(b);
    }
  }
};
const ByteTables& tables() {
  static const ByteTables t;
  return t;
}
}  // namespace

uint32_t byte_to_codepoint(uint8_t b) { return tables().cp[b]; }
const std::string& byte_to_utf8(uint8_t b) { return tables().utf8[b]; }
int codepoint_to_byte(uint32_t cp) { return cp < 512 ? tables().back[cp] : -1; }

std::string bytes_to_alphabet(std::string_view s) {
  const auto& t = tables();
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) out += t.utf8[static_cast<uint8_t>(c)];
  return out;
}

}  // namespace heft::tokenizer::unicode
