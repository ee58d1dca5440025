#include "tokenizer/bpe.h"

#include <algorithm>
#include <queue>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

struct Symbol {
  int32_t id;
  int32_t prev, next;
  uint32_t start, len;  // bytes of the word this symbol covers (len 0: merged away)
};

struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t result;
  // priority_queue pops the largest: make the lowest rank, then leftmost, largest
  bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

std::string byte_token_text(uint8_t b) {
  static const char* hex = "0123456789ABCDEF";
  return std::string{'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
}

}  // namespace

void BpeModel::MergeTable::reserve(size_t n) {
  size_t cap = 16;
  int bits = 4;
  while (cap * 3 < n * 4) cap <<= 1, ++bits;
  slots_.assign(cap, Entry{});
  mask_ = cap - 1;
  shift_ = 64 - bits;
  size_ = 0;
}

void BpeModel::MergeTable::insert(uint64_t key, Merge m, bool overwrite) {
  if (slots_.empty() || (size_ + 1) * 2 > slots_.size()) {
    std::vector<Entry> old = std::move(slots_);
    reserve(std::max<size_t>(size_ * 2 + 8, 16));
    for (const Entry& e : old)
      if (e.key != kEmpty) insert(e.key, e.merge, true);
  }
  for (size_t i = slot(key);; i = (i + 1) & mask_) {
    Entry& e = slots_[i];
    if (e.key == key) {
      if (overwrite) e.merge = m;
      return;
    }
    if (e.key == kEmpty) {
      e = {key, m};
      ++size_;
      return;
    }
  }
}

int32_t BpeModel::symbol_id(const Vocab& vocab, std::string_view s) const {
  int32_t id = vocab.find(s);
  if (id >= 0) return id;
  if (!extra_ids_.empty()) {
    auto it = extra_ids_.find(std::string(s));
    if (it != extra_ids_.end()) return it->second;
  }
  return -1;
}

util::Result<BpeModel> BpeModel::build(const Vocab& vocab,
                                       const std::vector<std::pair<std::string_view, std::string_view>>& merges,
                                       Options options) {
  BpeModel m;
  m.options_ = std::move(options);
  m.n_vocab_ = static_cast<int32_t>(vocab.size());
  const bool hf = m.options_.flavor == Flavor::HuggingFace;
  if (m.options_.continuing_subword_prefix) m.prefix_ = *m.options_.continuing_subword_prefix, m.has_prefix_ = true;
  if (m.options_.end_of_word_suffix) m.suffix_ = *m.options_.end_of_word_suffix, m.has_suffix_ = true;
  if (m.options_.unk_token) m.unk_id_ = vocab.find(*m.options_.unk_token);
  m.merges_.reserve(merges.size());

  auto id_of = [&](std::string_view s) -> int32_t {
    int32_t id = vocab.find(s);
    if (id >= 0 || hf) return id;
    auto [it, inserted] = m.extra_ids_.emplace(std::string(s), m.n_vocab_ + static_cast<int32_t>(m.extra_.size()));
    if (inserted) m.extra_.emplace_back(s);
    return it->second;
  };

  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    int32_t ia = id_of(a), ib = id_of(b);
    joined.assign(a);
    if (hf && m.has_prefix_ && b.starts_with(m.prefix_)) joined += b.substr(m.prefix_.size());
    else joined += b;
    int32_t ir = id_of(joined);
    if (hf && (ia < 0 || ib < 0 || ir < 0)) {
      std::string missing(ia < 0 ? a : ib < 0 ? b : std::string_view(joined));
      return util::fail("BPE merge " + std::to_string(rank) + " uses '" + missing + "', which is not in the vocabulary");
    }
    Merge mg{static_cast<int32_t>(rank), ir};
    // tokenizers collects into a map (the last duplicate wins); llama.cpp emplaces (the first wins).
    m.merges_.insert(key(ia, ib), mg, /*overwrite=*/hf);
  }
  return m;
}

void BpeModel::tokenize(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  const bool hf = options_.flavor == Flavor::HuggingFace;
  if (options_.ignore_merges) {
    int32_t id = vocab.find(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }

  std::vector<Symbol> syms;
  syms.reserve(word.size());
  auto add = [&](int32_t id, uint32_t start, uint32_t len) {
    int32_t idx = static_cast<int32_t>(syms.size());
    if (!syms.empty()) syms.back().next = idx;
    syms.push_back({id, idx - 1, -1, start, len});
  };

  if (hf) {
    // Pending <unk> run: (start, len); flushed before the next known character.
    bool unk_pending = false;
    uint32_t unk_start = 0, unk_len = 0;
    std::string buf;
    for (size_t i = 0; i < word.size();) {
      size_t n = std::min(unicode::lead_length(static_cast<uint8_t>(word[i])), word.size() - i);
      bool first = i == 0, last = i + n == word.size();
      std::string_view ch = word.substr(i, n);
      std::string_view s = ch;
      if ((!first && has_prefix_) || (last && has_suffix_)) {
        buf.clear();
        if (!first && has_prefix_) buf += prefix_;
        buf += ch;
        if (last && has_suffix_) buf += suffix_;
        s = buf;
      }
      int32_t id = vocab.find(s);
      if (id >= 0) {
        if (unk_pending) add(unk_id_, unk_start, unk_len), unk_pending = false;
        add(id, static_cast<uint32_t>(i), static_cast<uint32_t>(n));
        i += n;
        continue;
      }
      if (options_.byte_fallback) {
        int32_t ids[16];
        bool all = s.size() <= 16;
        for (size_t k = 0; all && k < s.size(); ++k) {
          ids[k] = vocab.find(byte_token_text(static_cast<uint8_t>(s[k])));
          all = ids[k] >= 0;
        }
        if (all) {
          // Like tokenizers, a pending <unk> is not flushed here (it lands after these bytes).
          for (size_t k = 0; k < s.size(); ++k) add(ids[k], static_cast<uint32_t>(i), 1);
          i += n;
          continue;
        }
      }
      if (unk_id_ >= 0) {
        if (unk_pending && options_.fuse_unk) {
          unk_len += static_cast<uint32_t>(n);
        } else {
          if (unk_pending) add(unk_id_, unk_start, unk_len);
          unk_pending = true, unk_start = static_cast<uint32_t>(i), unk_len = static_cast<uint32_t>(n);
        }
      }
      i += n;
    }
    if (unk_pending) add(unk_id_, unk_start, unk_len);
  } else {
    for (size_t i = 0; i < word.size();) {
      size_t n = std::min(unicode::lead_length(static_cast<uint8_t>(word[i])), word.size() - i);
      add(symbol_id(vocab, word.substr(i, n)), static_cast<uint32_t>(i), static_cast<uint32_t>(n));
      i += n;
    }
  }

  if (syms.size() > 1 && !merges_.empty()) {
    std::priority_queue<Candidate> queue;
    auto consider = [&](int32_t left) {
      if (left < 0) return;
      int32_t right = syms[static_cast<size_t>(left)].next;
      if (right < 0) return;
      int32_t a = syms[static_cast<size_t>(left)].id, b = syms[static_cast<size_t>(right)].id;
      if (a < 0 || b < 0) return;
      if (const Merge* mg = merges_.find(key(a, b))) queue.push({mg->rank, left, mg->result});
    };
    for (int32_t i = 0; i + 1 < static_cast<int32_t>(syms.size()); ++i) consider(i);
    while (!queue.empty()) {
      Candidate top = queue.top();
      queue.pop();
      Symbol& left = syms[static_cast<size_t>(top.pos)];
      if (left.len == 0 || left.next < 0) continue;
      Symbol& right = syms[static_cast<size_t>(left.next)];
      if (left.id < 0 || right.id < 0) continue;
      const Merge* mg = merges_.find(key(left.id, right.id));
      if (!mg || mg->result != top.result) continue;  // stale candidate
      left.id = top.result;
      left.len += right.len;
      left.next = right.next;
      right.len = 0;
      if (left.next >= 0) syms[static_cast<size_t>(left.next)].prev = top.pos;
      consider(left.prev);
      consider(top.pos);
    }
  }

  for (const Symbol& s : syms) {
    if (s.len == 0) continue;
    if (hf) {
      if (s.id >= 0) out.push_back(s.id);
      continue;
    }
    if (s.id >= 0 && s.id < n_vocab_) {
      out.push_back(s.id);
      continue;
    }
    // llama.cpp: a symbol that is not a token is emitted byte by byte.
    for (uint32_t k = 0; k < s.len; ++k) {
      auto byte = static_cast<uint8_t>(word[s.start + k]);
      int32_t id = options_.byte_encoded ? vocab.find(std::string_view(&word[s.start + k], 1))
                                         : vocab.find(byte_token_text(byte));
      if (id >= 0) out.push_back(id);
    }
  }
}

}  // namespace heft::tokenizer
