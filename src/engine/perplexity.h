#pragma once
// Perplexity by llama.cpp's method, so numbers compare one to one: the tokens
// are split into non-overlapping chunks of n_ctx, each chunk's first token is
// replaced by BOS when the model adds one, and only the second half of each
// chunk is scored (positions n_ctx/2 .. n_ctx-2 predicting the next token).
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/context.h"
#include "util/error.h"

namespace heft::engine {

struct PerplexityResult {
  double perplexity = 0;
  double uncertainty = 0;       // the "+/-" llama-perplexity prints
  int64_t chunks = 0;
  int64_t tokens_scored = 0;
  std::vector<double> running;  // estimate after each chunk
};

// `ctx` must have n_ctx() >= n_chunk_ctx. bos < 0: no BOS substitution.
util::Result<PerplexityResult> perplexity(Context& ctx, std::span<const int32_t> tokens, int64_t n_chunk_ctx,
                                          int32_t bos, const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace heft::engine
