#include "tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

struct Span {
  size_t begin, end;
  bool match;
};

// Spans of single characters satisfying `pred`, with the gaps between them.
template <class Pred>
std::vector<Span> char_spans(std::string_view s, Pred&& pred) {
  std::vector<Span> out;
  size_t last = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = unicode::decode_valid(s, i, cp);
    if (n == 0) cp = unicode::kReplacement, n = 1;
    if (pred(cp)) {
      if (last < i) out.push_back({last, i, false});
      out.push_back({i, i + n, true});
      last = i + n;
    }
    i += n;
  }
  if (last < s.size()) out.push_back({last, s.size(), false});
  return out;
}

std::vector<Span> regex_spans(std::string_view s, const Regex& re) {
  std::vector<Span> out;
  size_t prev = 0;
  for (auto [b, e] : re.find_all(s)) {
    if (prev != b) out.push_back({prev, b, false});
    out.push_back({b, e, true});
    prev = e;
  }
  if (prev != s.size()) out.push_back({prev, s.size(), false});
  return out;
}

// tokenizers' NormalizedString::split: turns match spans into kept pieces.
std::vector<std::pair<size_t, size_t>> apply_behavior(const std::vector<Span>& spans, SplitBehavior b) {
  std::vector<std::pair<size_t, size_t>> out;
  switch (b) {
    case SplitBehavior::Isolated:
      for (const Span& s : spans) out.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::Removed:
      for (const Span& s : spans)
        if (!s.match) out.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::Contiguous: {
      bool prev = false;
      for (const Span& s : spans) {
        if (s.match == prev && !out.empty()) out.back().second = s.end;
        else out.emplace_back(s.begin, s.end);
        prev = s.match;
      }
      break;
    }
    case SplitBehavior::MergedWithPrevious: {
      bool prev = false;
      for (const Span& s : spans) {
        if (s.match && !prev && !out.empty()) out.back().second = s.end;
        else out.emplace_back(s.begin, s.end);
        prev = s.match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool prev = false;
      for (size_t k = spans.size(); k-- > 0;) {
        const Span& s = spans[k];
        if (s.match && !prev && !out.empty()) out.back().first = s.begin;
        else out.emplace_back(s.begin, s.end);
        prev = s.match;
      }
      std::reverse(out.begin(), out.end());
      break;
    }
  }
  return out;
}

void emit(const Word& w, const std::vector<std::pair<size_t, size_t>>& pieces, std::vector<Word>& out) {
  for (auto [b, e] : pieces) {
    if (b >= e) continue;
    out.push_back({w.text.substr(b, e - b), w.at_start && b == 0});
  }
}

bool is_bert_punct(uint32_t cp) {
  if (cp < 0x80) return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
  return unicode::is_punctuation(cp);
}

// Hugging Face's Whitespace pre-tokenizer: keeps the matches of \w+|[^\w\s]+.
void whitespace_words(const Word& w, std::vector<Word>& out) {
  const std::string& s = w.text;
  size_t i = 0;
  int run = -1;  // 0: word chars, 1: other non-space chars
  size_t run_start = 0;
  auto close = [&](size_t end) {
    if (run >= 0 && end > run_start) out.push_back({s.substr(run_start, end - run_start), w.at_start && run_start == 0});
    run = -1;
  };
  while (i < s.size()) {
    uint32_t cp;
    size_t n = unicode::decode_valid(s, i, cp);
    if (n == 0) cp = unicode::kReplacement, n = 1;
    int kind = unicode::is_word(cp) ? 0 : unicode::is_whitespace(cp) ? -1 : 1;
    if (kind != run) {
      close(i);
      if (kind >= 0) run = kind, run_start = i;
    }
    i += n;
  }
  close(s.size());
}

}  // namespace

const Regex& gpt2_regex() {
  static const Regex re = *Regex::compile(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
                                          RegexDialect::Onig);
  return re;
}

void PreTokenizer::apply(std::vector<Word>& words) const {
  using K = PreTokenizerStep::Kind;
  for (const PreTokenizerStep& st : steps_) {
    std::vector<Word> next;
    next.reserve(words.size() * 2);
    for (Word& w : words) {
      switch (st.kind) {
        case K::Split: {
          std::vector<Span> spans = regex_spans(w.text, *st.regex);
          if (st.invert)
            for (Span& s : spans) s.match = !s.match;
          emit(w, apply_behavior(spans, st.behavior), next);
          break;
        }
        case K::ByteLevel: {
          if (st.add_prefix_space && !w.text.starts_with(' ')) w.text.insert(w.text.begin(), ' ');
          if (st.use_regex) emit(w, apply_behavior(regex_spans(w.text, gpt2_regex()), SplitBehavior::Isolated), next);
          else if (!w.text.empty()) next.push_back(std::move(w));
          break;
        }
        case K::Metaspace: {
          std::string t;
          t.reserve(w.text.size() + 3);
          for (char c : w.text) {
            if (c == ' ') t += st.replacement;
            else t.push_back(c);
          }
          bool prepend = st.prepend == PreTokenizerStep::Prepend::Always ||
                         (st.prepend == PreTokenizerStep::Prepend::First && w.at_start);
          if (prepend && !t.starts_with(st.replacement)) t = st.replacement + t;
          Word nw{std::move(t), w.at_start};
          if (st.split) {
            uint32_t rep = 0;
            unicode::decode_valid(st.replacement, 0, rep);
            emit(nw, apply_behavior(char_spans(nw.text, [&](uint32_t c) { return c == rep; }),
                                    SplitBehavior::MergedWithNext),
                 next);
          } else if (!nw.text.empty()) {
            next.push_back(std::move(nw));
          }
          break;
        }
        case K::Whitespace: whitespace_words(w, next); break;
        case K::WhitespaceSplit:
          emit(w, apply_behavior(char_spans(w.text, unicode::is_whitespace), SplitBehavior::Removed), next);
          break;
        case K::Bert: {
          std::vector<Word> tmp;
          emit(w, apply_behavior(char_spans(w.text, unicode::is_whitespace), SplitBehavior::Removed), tmp);
          for (const Word& t : tmp) emit(t, apply_behavior(char_spans(t.text, is_bert_punct), SplitBehavior::Isolated), next);
          break;
        }
        case K::Digits:
          emit(w, apply_behavior(char_spans(w.text, unicode::is_number),
                                 st.individual_digits ? SplitBehavior::Isolated : SplitBehavior::Contiguous),
               next);
          break;
        case K::Punctuation:
          emit(w, apply_behavior(char_spans(w.text, is_bert_punct), st.behavior), next);
          break;
        case K::CharDelimiter: {
          uint32_t d = 0;
          if (!st.delimiter.empty()) unicode::decode_valid(st.delimiter, 0, d);
          emit(w, apply_behavior(char_spans(w.text, [&](uint32_t c) { return c == d; }), SplitBehavior::Removed), next);
          break;
        }
        case K::FixedLength: {
          std::vector<std::pair<size_t, size_t>> pieces;
          size_t n = std::max<size_t>(st.length, 1), count = 0, start = 0;
          for (size_t i = 0; i < w.text.size();) {
            i += std::min(unicode::lead_length(static_cast<uint8_t>(w.text[i])), w.text.size() - i);
            if (++count == n) pieces.emplace_back(start, i), start = i, count = 0;
          }
          if (start < w.text.size()) pieces.emplace_back(start, w.text.size());
          emit(w, pieces, next);
          break;
        }
      }
    }
    if (st.kind == K::ByteLevel)
      for (Word& w : next) w.text = unicode::bytes_to_alphabet(w.text);
    words = std::move(next);
  }
}

}  // namespace heft::tokenizer
