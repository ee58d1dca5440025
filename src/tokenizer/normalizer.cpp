#include "tokenizer/normalizer.h"

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

using unicode::append_utf8;
using unicode::decode_valid;

// Calls f(cp, bytes) for each character of valid UTF-8 `s`.
template <class F>
void for_each_char(std::string_view s, F&& f) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = decode_valid(s, i, cp);
    if (n == 0) cp = unicode::kReplacement, n = 1;
    f(cp, s.substr(i, n));
    i += n;
  }
}

std::string bert(const NormalizerStep& st, std::string_view in) {
  std::string s;
  s.reserve(in.size());
  for_each_char(in, [&](uint32_t cp, std::string_view bytes) {
    if (st.clean_text) {
      bool ws = cp == '\t' || cp == '\n' || cp == '\r' || unicode::is_whitespace(cp);
      bool ctrl = cp != '\t' && cp != '\n' && cp != '\r' && unicode::is_other(cp);
      if (cp == 0 || cp == 0xFFFD || ctrl) return;
      if (ws) {
        s.push_back(' ');
        return;
      }
    }
    if (st.handle_chinese_chars && unicode::is_cjk_ideograph(cp)) {
      s.push_back(' ');
      s += bytes;
      s.push_back(' ');
      return;
    }
    s += bytes;
  });
  bool strip = st.strip_accents < 0 ? st.lowercase : st.strip_accents != 0;
  if (strip) {
    std::string d = unicode::normalize(s, unicode::Form::NFD);
    s.clear();
    for_each_char(d, [&](uint32_t cp, std::string_view bytes) {
      if (!unicode::is_mark_nonspacing(cp)) s += bytes;
    });
  }
  if (st.lowercase) s = unicode::lowercase(s);
  return s;
}

std::string nmt(std::string_view in) {
  std::string s;
  s.reserve(in.size());
  for_each_char(in, [&](uint32_t cp, std::string_view bytes) {
    if ((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F || cp == 0x8F ||
        cp == 0x9F)
      return;
    bool to_space = cp == 0x09 || cp == 0x0A || cp == 0x0C || cp == 0x0D || cp == 0x1680 ||
                    (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0x2581 || cp == 0xFEFF ||
                    cp == 0xFFFD;
    if (to_space) s.push_back(' ');
    else s += bytes;
  });
  return s;
}

}  // namespace

std::string strip_whitespace(std::string_view s, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e) {
      uint32_t cp;
      size_t n = decode_valid(s, b, cp);
      if (n == 0 || !unicode::is_whitespace(cp)) break;
      b += n;
    }
  }
  if (right) {
    while (e > b) {
      size_t start = e - 1;
      while (start > b && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
      uint32_t cp;
      size_t n = decode_valid(s, start, cp);
      if (n == 0 || start + n != e || !unicode::is_whitespace(cp)) break;
      e = start;
    }
  }
  return std::string(s.substr(b, e - b));
}

std::string replace_all(std::string_view s, const Regex* re, std::string_view literal, std::string_view content) {
  std::string out;
  out.reserve(s.size());
  if (re) {
    size_t prev = 0;
    for (auto [b, e] : re->find_all(s)) {
      out.append(s.substr(prev, b - prev));
      out += content;
      prev = e;
    }
    out.append(s.substr(prev));
    return out;
  }
  if (literal.empty()) return std::string(s);
  size_t prev = 0;
  for (size_t at = s.find(literal); at != std::string_view::npos; at = s.find(literal, prev)) {
    out.append(s.substr(prev, at - prev));
    out += content;
    prev = at + literal.size();
  }
  out.append(s.substr(prev));
  return out;
}

std::string Normalizer::apply(std::string_view text) const {
  std::string s(text);
  for (const NormalizerStep& st : steps_) {
    using K = NormalizerStep::Kind;
    switch (st.kind) {
      case K::NFC: s = unicode::normalize(s, unicode::Form::NFC); break;
      case K::NFD: s = unicode::normalize(s, unicode::Form::NFD); break;
      case K::NFKC: s = unicode::normalize(s, unicode::Form::NFKC); break;
      case K::NFKD: s = unicode::normalize(s, unicode::Form::NFKD); break;
      case K::Lowercase: s = unicode::lowercase(s); break;
      case K::StripAccents: {
        std::string out;
        for_each_char(s, [&](uint32_t cp, std::string_view bytes) {
          if (!unicode::is_mark(cp)) out += bytes;
        });
        s = std::move(out);
        break;
      }
      case K::Strip: s = strip_whitespace(s, st.strip_left, st.strip_right); break;
      case K::Replace: s = replace_all(s, st.regex.get(), st.pattern, st.content); break;
      case K::Prepend:
        if (!s.empty()) s = st.content + s;
        break;
      case K::Bert: s = bert(st, s); break;
      case K::Nmt: s = nmt(s); break;
      case K::ByteLevel: s = unicode::bytes_to_alphabet(s); break;
      case K::Precompiled:
        if (st.charsmap) s = st.charsmap->normalize_graphemes(s);
        break;
    }
  }
  return s;
}

}  // namespace heft::tokenizer
