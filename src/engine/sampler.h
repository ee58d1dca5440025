#pragma once
// Turns logits into the next token: a chain of penalties → logit bias → top-k
// → typical → top-p → min-p → temperature → pick, seeded and deterministic.
// Temperature <= 0 picks the highest logit (greedy; the first on ties).
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace heft::engine {

struct SamplerParams {
  float temperature = 0.8f;
  int32_t top_k = 40;            // <= 0: off
  float top_p = 0.95f;           // 1: off
  float min_p = 0.05f;           // 0: off
  float typical_p = 1.0f;        // 1: off
  float repeat_penalty = 1.0f;   // 1: off
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int32_t penalty_last_n = 64;   // window of recent tokens the penalties look at
  std::vector<std::pair<int32_t, float>> logit_bias;
  uint64_t seed = 0;
};

class Sampler {
 public:
  Sampler(const SamplerParams& params, int64_t n_vocab);
  // allowed: n_vocab bits (64 per word) of the tokens that may be picked, or
  // null for all (a grammar's mask). Returns -1 when the mask allows nothing.
  int32_t sample(const float* logits, const std::vector<uint64_t>* allowed = nullptr);
  // Records a token (prompt or generated) for the penalty window.
  void accept(int32_t token);
  void reset();
  const SamplerParams& params() const { return params_; }

 private:
  struct Candidate {
    int32_t id;
    float logit;
    float p;
  };
  void apply_penalties();
  void top_k(size_t k);
  void softmax();
  void typical(float p);
  void top_p(float p);
  void min_p(float p);

  SamplerParams params_;
  int64_t n_vocab_;
  std::vector<Candidate> cand_;     // reused every call
  std::vector<int32_t> history_;    // ring of recent tokens
  size_t history_pos_ = 0;
  std::vector<int32_t> counts_;
  std::mt19937_64 rng_;
  bool sorted_ = false;
};

}  // namespace heft::engine
