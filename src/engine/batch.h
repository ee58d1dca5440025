#pragma once
// One forward pass over rows of several sequences (a server's step): each row
// is a token at a position of one sequence, whose keys and values live in
// blocks of the context's cache. Rows summed in prompt-batch order come first,
// then rows summed in single-token order (engine/matmul.h, Order): a row's
// results depend only on its sequence's tokens and on the order of each of its
// rows, never on the other sequences in the step.
#include <cstdint>
#include <span>
#include <vector>

namespace heft::engine {

struct BatchRow {
  int32_t token = 0;
  int64_t pos = 0;           // position in its sequence
  int32_t seq = 0;           // index into Batch::blocks
  bool batch_order = false;  // summed as part of a prompt batch (else as one token alone)
  bool logits = false;       // keep this row's logits (in single-token order, as `heft run` gets them)
};

struct Batch {
  std::vector<BatchRow> rows;
  // Per sequence, its block ids: block b holds positions [b * B, (b + 1) * B),
  // B = Context::block_size(). Every row's position must have its block.
  std::vector<std::span<const int32_t>> blocks;
  // Keep every row's final hidden state (after the output norm): embeddings.
  bool keep_hidden = false;
};

}  // namespace heft::engine
