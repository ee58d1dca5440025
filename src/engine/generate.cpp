#include "engine/generate.h"

#include <algorithm>
#include <chrono>

#include "tokenizer/streaming_decoder.h"

namespace heft::engine {

std::string_view stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::EndOfGeneration: return "eog";
    case StopReason::StopString: return "stop";
    case StopReason::MaxTokens: return "max_tokens";
    case StopReason::ContextFull: return "length";
    case StopReason::Cancelled: return "cancelled";
    case StopReason::GrammarDeadEnd: return "grammar";
  }
  return "?";
}

std::string StopMatcher::feed(std::string_view text, bool& stopped) {
  held_.append(text);
  stopped = false;
  size_t cut = std::string::npos;
  for (const auto& s : stops_) {
    if (s.empty()) continue;
    size_t at = held_.find(s);
    if (at != std::string::npos) cut = std::min(cut, at);
  }
  if (cut != std::string::npos) {
    stopped = true;
    std::string out = held_.substr(0, cut);
    held_.clear();
    return out;
  }
  // Keep the longest tail that is a proper prefix of some stop string.
  size_t keep = 0;
  for (const auto& s : stops_)
    for (size_t len = std::min(s.size() - (s.empty() ? 0 : 1), held_.size()); len > keep; --len)
      if (held_.compare(held_.size() - len, len, s, 0, len) == 0) {
        keep = len;
        break;
      }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StopMatcher::flush() {
  std::string out = std::move(held_);
  held_.clear();
  return out;
}

Generation::Generation(const tokenizer::Tokenizer& tok, Sampler& sampler, const GenerateParams& params,
                       std::function<void(std::string_view)> on_text)
    : tok_(tok), sampler_(sampler), params_(params), on_text_(std::move(on_text)), decoder_(tok), matcher_(params.stop) {
  if (params_.grammar) grammar_state_ = params_.grammar->start();
}

void Generation::emit(const std::string& piece) {
  if (piece.empty()) return;
  result_.text += piece;
  if (on_text_) on_text_(piece);
}

void Generation::start(std::span<const int32_t> prompt) {
  for (int32_t t : prompt) sampler_.accept(t);
  result_.stop_reason = StopReason::MaxTokens;
  if (params_.max_tokens == 0) end(StopReason::MaxTokens);
}

void Generation::step(const float* logits) {
  grammar::TokenConstraint* g = params_.grammar.get();
  using clock = std::chrono::steady_clock;
  const auto t0 = g ? clock::now() : clock::time_point{};
  const std::vector<uint64_t>* mask = g ? &g->allowed(grammar_state_) : nullptr;
  if (g) result_.timings.grammar_ms += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  const int32_t id = sampler_.sample(logits, mask);
  if (id < 0) return end(StopReason::GrammarDeadEnd);
  sampler_.accept(id);
  result_.tokens.push_back(id);
  if (params_.on_token) params_.on_token(id, logits);
  // Under a grammar an end-of-generation token is allowed only where it is complete.
  if ((g || !params_.ignore_eog) && tok_.is_eog(id)) return end(StopReason::EndOfGeneration);
  if (g) {
    const auto t1 = clock::now();
    const uint32_t next = g->advance(grammar_state_, id);
    result_.timings.grammar_ms += std::chrono::duration<double, std::milli>(clock::now() - t1).count();
    if (next == grammar::Machine::kDead) return end(StopReason::GrammarDeadEnd);  // the mask is exact; never expected
    grammar_state_ = next;
  }
  bool stopped = false;
  emit(matcher_.feed(decoder_.step(id), stopped));
  if (stopped) {
    result_.stop_reason = StopReason::StopString;
    done_ = true;
    return;
  }
  if (g && g->finished(grammar_state_)) return end(StopReason::EndOfGeneration);
  if (params_.max_tokens >= 0 && static_cast<int64_t>(result_.tokens.size()) >= params_.max_tokens) end(StopReason::MaxTokens);
}

void Generation::end(StopReason r) {
  if (done_) return;
  done_ = true;
  result_.stop_reason = r;
  if (r == StopReason::Cancelled) return;
  bool stopped = false;
  emit(matcher_.feed(decoder_.finish(), stopped));
  if (stopped) result_.stop_reason = StopReason::StopString;
  else emit(matcher_.flush());
}

util::Result<GenerateResult> generate(Context& ctx, Sampler& sampler, const tokenizer::Tokenizer& tok,
                                      std::span<const int32_t> prompt, const GenerateParams& params,
                                      const std::function<void(std::string_view)>& on_text) {
  using clock = std::chrono::steady_clock;
  if (ctx.n_past() + static_cast<int64_t>(prompt.size()) > ctx.n_ctx())
    return util::fail("the prompt (" + std::to_string(prompt.size()) + " tokens) does not fit the context of " +
                      std::to_string(ctx.n_ctx()) + " tokens; raise --ctx-size or shorten the prompt");
  if (prompt.empty() && ctx.n_past() == 0) return util::fail("the prompt is empty and the model adds no BOS token");

  Generation gen(tok, sampler, params, on_text);
  GenerateResult& r = gen.result();
  gen.start(prompt);
  if (params.cancelled && params.cancelled()) {
    gen.end(StopReason::Cancelled);
    return std::move(r);
  }
  auto t0 = clock::now();
  if (!prompt.empty()) HEFT_TRY(ctx.decode(prompt));
  r.timings.prompt_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  r.timings.prompt_tokens = static_cast<int64_t>(prompt.size());

  const int64_t n_keep = params.n_keep >= 0 ? params.n_keep : (tok.adds_bos() ? 1 : 0);
  auto t1 = clock::now();
  while (!gen.done()) {
    gen.step(ctx.last_logits());
    if (gen.done()) break;
    if (ctx.n_past() >= ctx.n_ctx()) {
      if (!params.context_shift || ctx.n_past() - n_keep < 2) {
        gen.end(StopReason::ContextFull);
        break;
      }
      ctx.shift(n_keep, (ctx.n_past() - n_keep) / 2);
    }
    if (params.cancelled && params.cancelled()) {
      gen.end(StopReason::Cancelled);
      break;
    }
    const int32_t id = gen.next();
    HEFT_TRY(ctx.decode(std::span<const int32_t>(&id, 1)));
  }
  r.timings.generation_ms = std::chrono::duration<double, std::milli>(clock::now() - t1).count();
  r.timings.generated_tokens = static_cast<int64_t>(r.tokens.size());
  return std::move(r);
}

}  // namespace heft::engine
