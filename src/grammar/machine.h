#pragma once
// The grammar as a lazily built automaton over bytes. A state is a set of
// parse stacks (llama.cpp's representation: each stack's top is the
// terminal to match next) plus a partly read UTF-8 character; stacks are
// interned frames, states are interned sets, and each state's 256 byte
// transitions are filled in on first use — so walking the vocabulary's trie
// is mostly table lookups. Not thread-safe: one per grammar user.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "grammar/grammar.h"

namespace heft::grammar {

class Machine {
 public:
  static constexpr uint32_t kDead = UINT32_MAX;

  explicit Machine(std::shared_ptr<const Grammar> g);
  const Grammar& grammar() const { return *g_; }

  uint32_t start() const { return start_; }
  // The state after one more byte, or kDead when the grammar cannot take it.
  uint32_t step(uint32_t state, uint8_t byte) {
    const size_t i = static_cast<size_t>(state) * 256 + byte;
    if (trans_[i] == kUnknown) {
      const uint32_t t = compute_step(state, byte);  // may grow trans_
      trans_[i] = t;
    }
    return trans_[i];
  }
  uint32_t step(uint32_t state, std::string_view bytes);
  // The state after a whole token matched by a token element (<[id]>, !<[id]>), or kDead.
  uint32_t step_token(uint32_t state, int32_t token);
  // Stacks whose top is a token element: (token, negated) pairs.
  void token_elements(uint32_t state, std::vector<std::pair<int32_t, bool>>& out) const;

  // The text so far is a whole sentence.
  bool accepting(uint32_t state) const;
  // A whole sentence, and nothing more can follow.
  bool finished(uint32_t state) const;
  // What the grammar could take next, in words (for error messages).
  std::string expected(uint32_t state) const;

  size_t states() const { return states_.size(); }
  // A hostile or wildly ambiguous grammar ("x" nested in many repetitions) can make
  // stack sets and states grow without bound. Past these limits every step is kDead and
  // exhausted() says why the text stopped matching (a refusal, never a wrong answer).
  static constexpr size_t kMaxStacks = 4096;      // stacks in one state (an enum of thousands of values)
  static constexpr uint64_t kMaxWork = 1 << 18;   // stacks handled in one step (JSON Schema grammars: hundreds)
  static constexpr size_t kMaxFrames = 1 << 20;   // interned frames
  static constexpr size_t kMaxStates = 1 << 16;   // states (each has a 1 KiB transition row)
  bool exhausted() const { return exhausted_; }

 private:
  static constexpr uint32_t kUnknown = UINT32_MAX - 1;
  struct Frame {
    const Element* pos;
    const Element* end;
    uint32_t parent;  // 0: nothing follows
  };
  struct State {
    std::vector<uint32_t> stacks;  // sorted frame ids; 0 is the empty (complete) stack
    uint32_t cp = 0;               // bits of a partly read UTF-8 character
    uint8_t remaining = 0;         // its continuation bytes still to come
  };

  uint32_t frame(const Element* pos, const Element* end, uint32_t parent);
  void expand(const Element* pos, const Element* end, uint32_t parent, std::vector<uint32_t>& out);
  const std::vector<uint32_t>& after(uint32_t stack);
  uint32_t intern(State s);
  bool over_limits(const State& s);
  uint32_t compute_step(uint32_t state, uint8_t byte);

  std::shared_ptr<const Grammar> g_;
  std::vector<Frame> frames_;
  std::unordered_map<std::string, uint32_t> frame_ids_;
  std::vector<std::vector<uint32_t>> after_;
  std::vector<bool> after_known_;
  std::vector<State> states_;
  std::unordered_map<std::string, uint32_t> state_ids_;
  std::vector<uint32_t> trans_;  // states x 256
  uint32_t start_ = 0;
  bool exhausted_ = false;
  uint64_t work_ = 0;  // stacks handled in the current step, against kMaxWork
};

}  // namespace heft::grammar
