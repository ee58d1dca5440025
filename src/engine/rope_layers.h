#pragma once
// The RoPE parameters a model's layers use, as llama.cpp picks them per layer
// (llama_model::get_rope_freq_base / get_rope_freq_scale / get_rope_factors and
// the context's YaRN values): the forward pass, the context shift and tests
// that compare heft's angles with a reference all take them from here.
#include <cstdint>

#include "engine/rope.h"
#include "model/model.h"

namespace heft::engine {

// n_ctx: the context size (LongRoPE picks its long factors above the original context).
RopeParams layer_rope_params(const model::Model& m, int64_t n_ctx, bool sliding_window_layer);

}  // namespace heft::engine
