#pragma once
// What fit's memory and speed predictions both read off a model's header: its
// hyper-parameters and family, and the matrices the forward pass multiplies
// (types and shapes only; no data), with the checks model::load_model makes,
// so a model heft would refuse to load is refused here too.
#include <vector>

#include "model/arch_spec.h"
#include "model/hparams.h"
#include "model/weights.h"
#include "store/fit.h"
#include "util/error.h"

namespace heft::store {

struct FitShape {
  model::Hparams hp;
  const model::ArchSpec* spec = nullptr;
  uint64_t n_vocab = 0;
  model::Weight output;                 // the output head (the embedding matrix when tied)
  std::vector<model::Weight> matrices;  // the output head, then every layer's projections
};

util::Result<FitShape> fit_shape(const FitModel& model);

// The context a request for n_ctx gets (engine::Context::default_n_ctx's rule).
int64_t fit_n_ctx(const FitShape& shape, int64_t n_ctx);

}  // namespace heft::store
