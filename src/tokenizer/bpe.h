#pragma once
// Byte-pair encoding over merge ranks, in the two flavours heft reproduces:
//  - Hugging Face (tokenizer.json): a word's characters are looked up in the
//    vocabulary (with continuing_subword_prefix / end_of_word_suffix, byte
//    fallback to <0xNN>, or <unk>, optionally fused), then the lowest-rank merge
//    is applied repeatedly. A duplicated merge keeps its last rank.
//  - llama.cpp (GGUF): the same merge loop over the word's UTF-8 characters;
//    merges may produce strings that are not tokens. A final symbol that is not
//    a token is emitted byte by byte (dropped when a byte has no token). A
//    duplicated merge keeps its first rank.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/vocab.h"
#include "util/error.h"

namespace heft::tokenizer {

class BpeModel {
 public:
  enum class Flavor { HuggingFace, LlamaCpp };

  struct Options {
    Flavor flavor = Flavor::HuggingFace;
    bool ignore_merges = false;  // a word that is itself a token is not merged
    // Hugging Face only
    std::optional<std::string> continuing_subword_prefix;
    std::optional<std::string> end_of_word_suffix;
    std::optional<std::string> unk_token;
    bool fuse_unk = false;
    bool byte_fallback = false;
    // llama.cpp only: final non-token symbols fall back to GPT-2 alphabet bytes
    // (true) or to <0xNN> tokens (false, SentencePiece-style BPE such as Gemma 4)
    bool byte_encoded = true;
  };

  // `merges` as (left, right) string pairs in rank order. Hugging Face rejects
  // merges whose parts or result are not tokens; llama.cpp accepts anything.
  static util::Result<BpeModel> build(const Vocab& vocab,
                                      const std::vector<std::pair<std::string_view, std::string_view>>& merges,
                                      Options options);

  // Appends the tokens of one pre-tokenized word.
  void tokenize(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) const;

  size_t merge_count() const { return merges_.size(); }
  const Options& options() const { return options_; }

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  // (left id, right id) -> merge, open addressing (the encode loop's hot lookup).
  class MergeTable {
   public:
    void reserve(size_t n);
    // Returns false when the pair exists and `overwrite` is off.
    void insert(uint64_t key, Merge m, bool overwrite);
    const Merge* find(uint64_t key) const {
      if (slots_.empty()) return nullptr;
      for (size_t i = slot(key);; i = (i + 1) & mask_) {
        const Entry& e = slots_[i];
        if (e.key == key) return &e.merge;
        if (e.key == kEmpty) return nullptr;
      }
    }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

   private:
    static constexpr uint64_t kEmpty = ~uint64_t{0};
    struct Entry {
      uint64_t key = kEmpty;
      Merge merge{};
    };
    size_t slot(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_) & mask_; }
    std::vector<Entry> slots_;
    size_t mask_ = 0, size_ = 0;
    int shift_ = 0;
  };
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  int32_t symbol_id(const Vocab& vocab, std::string_view s) const;  // vocab id, extra id, or -1

  Options options_;
  MergeTable merges_;
  // llama.cpp flavour: strings used by merges that are not tokens get ids past the vocabulary.
  std::vector<std::string> extra_;
  std::unordered_map<std::string, int32_t> extra_ids_;
  int32_t n_vocab_ = 0;
  int32_t unk_id_ = -1;
  std::string prefix_, suffix_;
  bool has_prefix_ = false, has_suffix_ = false;
};

}  // namespace heft::tokenizer
