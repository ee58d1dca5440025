#include "engine/perplexity.h"

#include <cmath>

namespace heft::engine {

util::Result<PerplexityResult> perplexity(Context& ctx, std::span<const int32_t> tokens, int64_t n_ctx, int32_t bos,
                                          const std::function<void(int64_t, int64_t)>& progress) {
  if (n_ctx < 4) return util::fail("the perplexity context must be at least 4 tokens");
  if (ctx.n_ctx() < n_ctx) return util::fail("the model context is smaller than the perplexity context");
  if (static_cast<int64_t>(tokens.size()) < 2 * n_ctx)
    return util::fail("the text has " + std::to_string(tokens.size()) + " tokens; at least " +
                      std::to_string(2 * n_ctx) + " (twice the context) are needed");
  PerplexityResult r;
  r.chunks = static_cast<int64_t>(tokens.size()) / n_ctx;
  const int64_t first = n_ctx / 2;
  const int64_t n_vocab = ctx.n_vocab();
  double nll = 0.0, nll2 = 0.0;
  int64_t count = 0;
  std::vector<int32_t> chunk(static_cast<size_t>(n_ctx));
  for (int64_t c = 0; c < r.chunks; ++c) {
    const int64_t start = c * n_ctx;
    std::copy(tokens.begin() + start, tokens.begin() + start + n_ctx, chunk.begin());
    if (bos >= 0) chunk[0] = bos;
    ctx.clear();
    HEFT_TRY(ctx.decode(chunk, /*all_logits=*/true));
    for (int64_t j = first; j < n_ctx - 1; ++j) {
      const float* logits = ctx.logits(j);
      const int32_t target = tokens[static_cast<size_t>(start + j + 1)];
      float max = logits[0];
      for (int64_t i = 1; i < n_vocab; ++i) max = std::max(max, logits[i]);
      double sum = 0.0;
      for (int64_t i = 0; i < n_vocab; ++i) sum += std::exp(logits[i] - max);
      const double logprob = logits[target] - max - std::log(sum);
      nll -= logprob;
      nll2 += logprob * logprob;
      ++count;
    }
    r.running.push_back(std::exp(nll / static_cast<double>(count)));
    if (progress) progress(c + 1, r.chunks);
  }
  r.tokens_scored = count;
  const double mean = nll / static_cast<double>(count);
  r.perplexity = std::exp(mean);
  double var = nll2 / static_cast<double>(count) - mean * mean;
  r.uncertainty = var > 0 && count > 1 ? std::sqrt(var / static_cast<double>(count - 1)) * r.perplexity : 0.0;
  return r;
}

}  // namespace heft::engine
