#pragma once
// y = W x for a batch of tokens, on W's stored blocks: activations are
// converted once into the format the weight type's dot product takes, then
// rows are split across the thread pool (each row's arithmetic is the same
// whatever the split, so results do not depend on the thread count).
#include <cstdint>

#include "model/weights.h"
#include "util/thread_pool.h"

namespace heft::engine {

// Scratch bytes matmul needs for n_tokens activations of W's input size.
size_t matmul_scratch_bytes(const model::Weight& w, int64_t n_tokens);

// How each row's sums are ordered: as ggml orders a prompt batch, or as it
// orders one token's decode. Each row's result depends on its order and its
// own values only, never on the other rows of the call (a server's step mixes
// sequences, and each must come out as it would alone).
enum class Order { Batch, Token };

// x: n_tokens x w.cols floats; y: n_tokens x w.rows floats.
void matmul(const model::Weight& w, const float* x, int64_t n_tokens, float* y, uint8_t* scratch,
            util::ThreadPool& pool, Order order);

// Row r of W as floats (embedding lookup).
void weight_row(const model::Weight& w, int64_t r, float* out);

}  // namespace heft::engine
