#include "tokenizer/wordpiece.h"

#include <utf8proc.h>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

void WordPieceModel::tokenize(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) const {
  size_t chars = 0;
  for (size_t i = 0; i < word.size(); i += unicode::lead_length(static_cast<uint8_t>(word[i]))) ++chars;
  auto unknown = [&] {
    if (unk >= 0) out.push_back(unk);
  };
  if (chars > max_input_chars_per_word) return unknown();

  size_t mark = out.size();
  std::string buf;
  size_t start = 0;
  while (start < word.size()) {
    size_t end = word.size();
    int32_t found = -1;
    while (start < end) {
      std::string_view sub = word.substr(start, end - start);
      std::string_view key = sub;
      if (start > 0) {
        buf = continuing_subword_prefix;
        buf += sub;
        key = buf;
      }
      found = vocab.find(key);
      if (found >= 0) break;
      // drop the last character
      size_t last = end - 1;
      while (last > start && (static_cast<uint8_t>(word[last]) & 0xC0) == 0x80) --last;
      end = last;
    }
    if (found < 0) {
      out.resize(mark);
      return unknown();
    }
    out.push_back(found);
    start = end;
  }
}

namespace {

// llama.cpp's simplified NFD: each code point becomes the first code point of
// its canonical decomposition.
uint32_t first_of_nfd(uint32_t cp) {
  if (cp < 0xC0) return cp;
  utf8proc_int32_t buf[8];
  utf8proc_int32_t last_boundclass = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf, 8, UTF8PROC_DECOMPOSE,
                                               &last_boundclass);
  if (n <= 0) return cp;
  return static_cast<uint32_t>(buf[0]);
}

bool wpm_control(uint32_t cp) {
  // llama.cpp's CONTROL flag: Cc, Cf, Co, Cs (not Cn)
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CS:
      return true;
    default:
      return false;
  }
}

std::vector<std::string> wpm_preprocess(std::string_view text, const WpmOptions& opt) {
  std::vector<uint32_t> cps = unicode::codepoints_lenient(text);
  std::vector<std::string> words(1);
  for (uint32_t cp : cps) {
    if (opt.strip_accents) cp = first_of_nfd(cp);
    if (unicode::is_whitespace(cp)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    if (cp == 0 || cp == 0xFFFD || wpm_control(cp)) continue;
    if (opt.strip_accents && unicode::is_mark(cp)) continue;
    std::string s = unicode::to_utf8(opt.lowercase ? unicode::to_lower_simple(cp) : cp);
    if (unicode::is_punctuation(cp) || (cp < 0x7F && unicode::is_symbol(cp)) || unicode::is_cjk_ideograph(cp)) {
      if (!words.back().empty()) words.emplace_back();
      words.back() = std::move(s);
      words.emplace_back();
    } else {
      words.back() += s;
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

}  // namespace

void wpm_tokenize(const Vocab& vocab, const WpmOptions& opt, int32_t unk, std::string_view text,
                  std::vector<int32_t>& out) {
  const size_t max_len = vocab.max_token_length();
  for (const std::string& w : wpm_preprocess(text, opt)) {
    if (w.empty()) continue;
    const std::string word = "\xE2\x96\x81" + w;
    const size_t n = word.size();
    const size_t before = out.size();
    for (size_t i = 0; i < n; ++i) {
      bool match = false;
      for (size_t j = std::min(n, i + max_len + 1); j > i; --j) {
        int32_t id = vocab.find(std::string_view(word).substr(i, j - i));
        if (id >= 0) {
          out.push_back(id);
          match = true;
          i = j - 1;
          break;
        }
      }
      if (!match) {  // discard the whole word
        out.resize(before);
        break;
      }
    }
    if (out.size() == before && unk >= 0) out.push_back(unk);
  }
}

}  // namespace heft::tokenizer
