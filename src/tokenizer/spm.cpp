#include "tokenizer/spm.h"

#include <queue>
#include <string>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

struct Symbol {
  int32_t prev, next;
  uint32_t start, len;
};

struct Bigram {
  int32_t left, right;
  float score;
  uint32_t size;
  // priority_queue pops the largest: highest score, then leftmost
  bool operator<(const Bigram& o) const { return score != o.score ? score < o.score : left > o.left; }
};

}  // namespace

int32_t spm_byte_token(const Vocab& vocab, uint8_t byte) {
  static const char* hex = "0123456789ABCDEF";
  const char buf[6] = {'<', '0', 'x', hex[byte >> 4], hex[byte & 15], '>'};
  int32_t id = vocab.find(std::string_view(buf, 6));
  if (id >= 0) return id;
  const char one = static_cast<char>(byte);
  return vocab.find(std::string_view(&one, 1));
}

void spm_tokenize(const Vocab& vocab, std::string_view text, int32_t unk, std::vector<int32_t>& out) {
  if (text.empty()) return;
  std::vector<Symbol> syms;
  syms.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = std::min(unicode::lead_length(static_cast<uint8_t>(text[i])), text.size() - i);
    int32_t idx = static_cast<int32_t>(syms.size());
    syms.push_back({idx - 1, i + n == text.size() ? -1 : idx + 1, static_cast<uint32_t>(i), static_cast<uint32_t>(n)});
    i += n;
  }

  std::priority_queue<Bigram> queue;
  auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = syms[static_cast<size_t>(left)];
    const Symbol& r = syms[static_cast<size_t>(right)];
    std::string_view joined = text.substr(l.start, l.len + r.len);
    int32_t id = vocab.find(joined);
    if (id < 0) return;
    queue.push({left, right, vocab.score(id), static_cast<uint32_t>(joined.size())});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(syms.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    Bigram b = queue.top();
    queue.pop();
    Symbol& l = syms[static_cast<size_t>(b.left)];
    Symbol& r = syms[static_cast<size_t>(b.right)];
    if (l.len == 0 || r.len == 0 || l.len + r.len != b.size) continue;  // outdated
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) syms[static_cast<size_t>(r.next)].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }

  for (int32_t i = 0; i != -1; i = syms[static_cast<size_t>(i)].next) {
    const Symbol& s = syms[static_cast<size_t>(i)];
    std::string_view piece = text.substr(s.start, s.len);
    int32_t id = vocab.find(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    size_t mark = out.size();
    bool ok = true;
    for (char c : piece) {
      int32_t b = spm_byte_token(vocab, static_cast<uint8_t>(c));
      if (b < 0) {
        ok = false;
        break;
      }
      out.push_back(b);
    }
    if (!ok) {
      out.resize(mark);
      if (unk >= 0) out.push_back(unk);
    }
  }
}

}  // namespace heft::tokenizer
