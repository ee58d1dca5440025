#pragma once
// The generation loop: the prompt as one batch, then sample, decode one
// token, stream its text, until an end-of-generation token, a stop string, the
// token limit or a full context (or shift the context and go on, if asked).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/context.h"
#include "engine/sampler.h"
#include "grammar/token_mask.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace heft::engine {

// GrammarDeadEnd: the grammar allows no token of the vocabulary (the output is incomplete).
enum class StopReason { EndOfGeneration, StopString, MaxTokens, ContextFull, Cancelled, GrammarDeadEnd };
// "eog", "stop", "max_tokens", "length" (the context is full), "cancelled", "grammar".
std::string_view stop_reason_name(StopReason r);

struct GenerateParams {
  int64_t max_tokens = -1;           // -1: until another reason stops it
  std::vector<std::string> stop;     // stop strings (not part of the output)
  bool ignore_eog = false;
  bool context_shift = false;        // when full, drop half of what follows n_keep and go on
  int64_t n_keep = -1;               // tokens kept at the start on a shift; -1: the BOS only
  // Called with each sampled id and the logits it was sampled from (n_vocab floats,
  // before any sampler step), before its text is known.
  std::function<void(int32_t id, const float* logits)> on_token;
  // Polled before each forward pass; true stops the generation (StopReason::Cancelled).
  std::function<bool()> cancelled;
  // Output constrained to a grammar: each token is sampled among those it allows,
  // end-of-generation only where it is complete, and generation ends (EndOfGeneration)
  // once nothing more can follow. One per generation (it keeps caches).
  std::shared_ptr<grammar::TokenConstraint> grammar;
};

struct Timings {
  double prompt_ms = 0, generation_ms = 0;
  double grammar_ms = 0;  // of generation_ms: computing grammar masks and following the grammar
  int64_t prompt_tokens = 0, generated_tokens = 0;
  double prompt_tokens_per_second() const { return prompt_ms > 0 ? prompt_tokens * 1000.0 / prompt_ms : 0; }
  double generation_tokens_per_second() const {
    return generation_ms > 0 ? generated_tokens * 1000.0 / generation_ms : 0;
  }
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // generated ids (a stop string's tokens included)
  std::string text;             // generated text, up to a stop string
  StopReason stop_reason = StopReason::MaxTokens;
  Timings timings;
};

// Decodes `prompt` after what `ctx` already holds, then generates. on_text
// receives each piece of final text as it is known (valid UTF-8; text that
// might start a stop string is held back until it is clear).
util::Result<GenerateResult> generate(Context& ctx, Sampler& sampler, const tokenizer::Tokenizer& tok,
                                      std::span<const int32_t> prompt, const GenerateParams& params,
                                      const std::function<void(std::string_view)>& on_text = {});

// Holds back text that could be the start of a stop string.
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}
  // Adds text; returns what is safe to emit now. Sets `stopped` when a stop string completed.
  std::string feed(std::string_view text, bool& stopped);
  std::string flush();  // at the end: whatever was held back

 private:
  std::vector<std::string> stops_;
  std::string held_;
};

// One sequence's generation, step by step: sampling, end-of-generation, stop
// strings, the token limit and its text. generate() drives it for one
// sequence; the server's scheduler drives many, one step each per pass, so
// both stop and stream exactly alike.
class Generation {
 public:
  // tok, sampler and params outlive it; on_text as generate()'s.
  Generation(const tokenizer::Tokenizer& tok, Sampler& sampler, const GenerateParams& params,
             std::function<void(std::string_view)> on_text);
  // The prompt goes to the sampler (its penalties see it). With max_tokens 0
  // the generation is over at once.
  void start(std::span<const int32_t> prompt);
  // Samples the next token from logits (n_vocab floats) and streams its text.
  // Afterwards either done(), or next() is the token to decode before the next step.
  void step(const float* logits);
  // Ends it for a reason outside it (a full context, a cancelled request): text
  // held back is flushed unless cancelled.
  void end(StopReason r);
  bool done() const { return done_; }
  int32_t next() const { return result_.tokens.back(); }
  GenerateResult& result() { return result_; }

 private:
  void emit(const std::string& piece);

  const tokenizer::Tokenizer& tok_;
  Sampler& sampler_;
  const GenerateParams& params_;
  std::function<void(std::string_view)> on_text_;
  tokenizer::StreamingDecoder decoder_;
  StopMatcher matcher_;
  GenerateResult result_;
  bool done_ = false;
  uint32_t grammar_state_ = 0;
};


}  // namespace heft::engine
