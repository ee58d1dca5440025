#include "tokenizer/unigram.h"

#include <algorithm>
#include <cfloat>
#include <optional>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

std::string byte_token_text(uint8_t b) {
  static const char* hex = "0123456789ABCDEF";
  return std::string{'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
}

size_t char_len(std::string_view s, size_t at) {
  return std::min(unicode::lead_length(static_cast<uint8_t>(s[at])), s.size() - at);
}

}  // namespace

void UnigramModel::tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  struct Node {
    int32_t id = -1;
    double score = 0.0;
    std::optional<size_t> start;
  };
  const double unk_score = min_score - 10.0;
  std::vector<Node> best(text.size() + 1);
  for (size_t at = 0; at < text.size();) {
    size_t mblen = char_len(text, at);
    double here = best[at].score;
    bool single = false;
    trie.prefixes(text.substr(at), [&](size_t len, int32_t id) {
      double s = (id >= 0 && static_cast<size_t>(id) < scores.size() ? scores[static_cast<size_t>(id)] : 0.0) + here;
      Node& t = best[at + len];
      if (!t.start || s > t.score) t = {id, s, at};
      if (len == mblen) single = true;
    });
    if (!single) {
      Node& t = best[at + mblen];
      double s = unk_score + here;
      if (!t.start || s > t.score) t = {unk, s, at};
    }
    at += mblen;
  }
  // Backtrack; consecutive unknown pieces are fused into one string.
  std::vector<std::pair<std::string_view, bool>> pieces;  // (text, unknown)
  size_t end = text.size();
  size_t fused_start = std::string::npos, fused_end = 0;
  while (end > 0) {
    const Node& n = best[end];
    size_t start = n.start.value_or(end - 1);
    if (n.id == unk && unk >= 0) {
      if (fused_start == std::string::npos) fused_end = end;
      fused_start = start;
    } else {
      if (fused_start != std::string::npos) {
        pieces.emplace_back(text.substr(fused_start, fused_end - fused_start), true);
        fused_start = std::string::npos;
      }
      pieces.emplace_back(text.substr(start, end - start), false);
    }
    end = start;
  }
  if (fused_start != std::string::npos) pieces.emplace_back(text.substr(fused_start, fused_end - fused_start), true);
  std::reverse(pieces.begin(), pieces.end());
  for (const auto& [piece, unknown] : pieces) {
    int32_t id = vocab.find(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    if (byte_fallback) {
      size_t mark = out.size();
      bool all = true;
      for (char c : piece) {
        int32_t b = vocab.find(byte_token_text(static_cast<uint8_t>(c)));
        if (b < 0) {
          all = false;
          break;
        }
        out.push_back(b);
      }
      if (all) continue;
      out.resize(mark);
    }
    (void)unknown;
    if (unk >= 0) out.push_back(unk);
  }
}

UgmModel UgmModel::build(const Vocab& vocab, std::shared_ptr<CharsMap> charsmap) {
  UgmModel m;
  m.charsmap = std::move(charsmap);
  double min_score = FLT_MAX;
  for (int32_t id = 0; id < static_cast<int32_t>(vocab.size()); ++id) {
    TokenType t = vocab.type(id);
    if (t == TokenType::Normal) min_score = std::min(min_score, static_cast<double>(vocab.score(id)));
    if (t == TokenType::Normal || t == TokenType::UserDefined || t == TokenType::Unused)
      m.tokens.insert(vocab.text(id), id);
    if (t == TokenType::UserDefined) m.user_defined.insert(vocab.text(id), id);
  }
  m.unknown_score = min_score - 10.0;
  return m;
}

std::string UgmModel::normalize(std::string_view input) const {
  const std::string space = escape_whitespaces ? "\xE2\x96\x81" : " ";
  const bool prepend = !treat_whitespace_as_suffix && add_space_prefix;
  const bool append = treat_whitespace_as_suffix && add_space_prefix;
  const bool merge = remove_extra_whitespaces;
  std::string out;
  out.reserve(input.size() * 3);
  bool space_prepended = false, in_word = false;
  auto put = [&](std::string_view piece) {
    for (char c : piece) {
      if (c != ' ') {
        if (!in_word) {
          in_word = true;
          if ((prepend && !space_prepended) || merge) {
            out += space;
            space_prepended = true;
          }
        }
        out.push_back(c);
      } else {
        in_word = false;
        if (!merge) out += space;
      }
    }
  };
  for (size_t at = 0; at < input.size();) {
    size_t user_len = 0;
    user_defined.prefixes(input.substr(at), [&](size_t len, int32_t) { user_len = len; });
    if (user_len > 0) {
      put(input.substr(at, user_len));
      at += user_len;
      continue;
    }
    if (charsmap) {
      auto [len, rep] = charsmap->longest_prefix(input.substr(at));
      if (len > 0) {
        put(rep);
        at += len;
        continue;
      }
    }
    uint32_t cp;
    size_t n = unicode::decode_valid(input, at, cp);
    if (n == 0) {
      put("\xEF\xBF\xBD");
      at += 1;
    } else {
      put(input.substr(at, n));
      at += n;
    }
  }
  if (append) out += space;
  return out;
}

void UgmModel::tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const {
  std::string norm = normalize(text);
  const size_t len = norm.size();
  if (len == 0) return;
  struct Best {
    int32_t id;
    size_t start;
    double score;
  };
  std::vector<Best> best(len + 1, {unk, 0, -DBL_MAX});
  best[0] = {unk, 0, 0.0};
  for (size_t at = 0; at < len;) {
    size_t n = char_len(norm, at);
    const Best cur = best[at];
    bool single = false;
    tokens.prefixes(std::string_view(norm).substr(at), [&](size_t klen, int32_t id) {
      if (klen == n) single = true;
      double s = cur.score + (vocab.type(id) == TokenType::UserDefined ? 0.0 : static_cast<double>(vocab.score(id)));
      Best& champ = best[at + klen];
      if (s > champ.score) champ = {id, at, s};
    });
    if (!single) {
      double s = cur.score + unknown_score;
      Best& champ = best[at + n];
      if (s > champ.score) champ = {unk, at, s};
    }
    at += n;
  }
  size_t mark = out.size();
  bool prev_unknown = false;
  for (size_t at = len;;) {
    const Best& b = best[at];
    bool unknown = b.id == unk;
    if (!(prev_unknown && unknown) && b.id >= 0) out.push_back(b.id);
    if (b.start == 0 || b.start >= at) break;
    prev_unknown = unknown;
    at = b.start;
  }
  std::reverse(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
}

}  // namespace heft::tokenizer
