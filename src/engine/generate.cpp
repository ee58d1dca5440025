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

util::Result<GenerateResult> generate(Context& ctx, Sampler& sampler, const tokenizer::Tokenizer& tok,
                                      std::span<const int32_t> prompt, const GenerateParams& params,
                                      const std::function<void(std::string_view)>& on_text) {
  using clock = std::chrono::steady_clock;
  GenerateResult r;
  if (ctx.n_past() + static_cast<int64_t>(prompt.size()) > ctx.n_ctx())
    return util::fail("the prompt (" + std::to_string(prompt.size()) + " tokens) does not fit the context of " +
                      std::to_string(ctx.n_ctx()) + " tokens; raise --ctx-size or shorten the prompt");
  if (prompt.empty() && ctx.n_past() == 0) return util::fail("the prompt is empty and the model adds no BOS token");

  for (int32_t t : prompt) sampler.accept(t);
  if (params.cancelled && params.cancelled()) {
    r.stop_reason = StopReason::Cancelled;
    return r;
  }
  auto t0 = clock::now();
  if (!prompt.empty()) HEFT_TRY(ctx.decode(prompt));
  r.timings.prompt_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  r.timings.prompt_tokens = static_cast<int64_t>(prompt.size());

  tokenizer::StreamingDecoder decoder(tok);
  StopMatcher matcher(params.stop);
  auto emit = [&](const std::string& piece) {
    if (piece.empty()) return;
    r.text += piece;
    if (on_text) on_text(piece);
  };
  const int64_t n_keep = params.n_keep >= 0 ? params.n_keep : (tok.adds_bos() ? 1 : 0);
  auto t1 = clock::now();
  bool stopped = false;
  r.stop_reason = StopReason::MaxTokens;
  while (params.max_tokens < 0 || static_cast<int64_t>(r.tokens.size()) < params.max_tokens) {
    const int32_t id = sampler.sample(ctx.last_logits());
    sampler.accept(id);
    r.tokens.push_back(id);
    if (params.on_token) params.on_token(id, ctx.last_logits());
    if (!params.ignore_eog && tok.is_eog(id)) {
      r.stop_reason = StopReason::EndOfGeneration;
      break;
    }
    emit(matcher.feed(decoder.step(id), stopped));
    if (stopped) {
      r.stop_reason = StopReason::StopString;
      break;
    }
    if (params.max_tokens >= 0 && static_cast<int64_t>(r.tokens.size()) >= params.max_tokens) break;
    if (ctx.n_past() >= ctx.n_ctx()) {
      if (!params.context_shift || ctx.n_past() - n_keep < 2) {
        r.stop_reason = StopReason::ContextFull;
        break;
      }
      ctx.shift(n_keep, (ctx.n_past() - n_keep) / 2);
    }
    if (params.cancelled && params.cancelled()) {
      r.stop_reason = StopReason::Cancelled;
      break;
    }
    HEFT_TRY(ctx.decode(std::span<const int32_t>(&id, 1)));
  }
  if (!stopped && r.stop_reason != StopReason::Cancelled) {
    emit(matcher.feed(decoder.finish(), stopped));
    if (stopped) r.stop_reason = StopReason::StopString;
    else emit(matcher.flush());
  }
  r.timings.generation_ms = std::chrono::duration<double, std::milli>(clock::now() - t1).count();
  r.timings.generated_tokens = static_cast<int64_t>(r.tokens.size());
  return r;
}

}  // namespace heft::engine
