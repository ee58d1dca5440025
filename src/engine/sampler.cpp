#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

namespace heft::engine {

Sampler::Sampler(const SamplerParams& params, int64_t n_vocab)
    : params_(params), n_vocab_(n_vocab), counts_(static_cast<size_t>(n_vocab), 0), rng_(params.seed) {
  cand_.reserve(static_cast<size_t>(n_vocab));
}

void Sampler::reset() {
  history_.clear();
  history_pos_ = 0;
  rng_.seed(params_.seed);
}

void Sampler::accept(int32_t token) {
  if (params_.penalty_last_n <= 0) return;
  if (history_.size() < static_cast<size_t>(params_.penalty_last_n)) history_.push_back(token);
  else {
    history_[history_pos_] = token;
    history_pos_ = (history_pos_ + 1) % history_.size();
  }
}

void Sampler::apply_penalties() {
  const auto& p = params_;
  if (history_.empty() || (p.repeat_penalty == 1.0f && p.presence_penalty == 0.0f && p.frequency_penalty == 0.0f))
    return;
  for (int32_t t : history_)
    if (t >= 0 && t < n_vocab_) counts_[static_cast<size_t>(t)]++;
  for (auto& c : cand_) {
    int32_t n = counts_[static_cast<size_t>(c.id)];
    if (n == 0) continue;
    // As llama.cpp: divide positive logits, multiply negative ones.
    c.logit = c.logit <= 0 ? c.logit * p.repeat_penalty : c.logit / p.repeat_penalty;
    c.logit -= static_cast<float>(n) * p.frequency_penalty + p.presence_penalty;
  }
  for (int32_t t : history_)
    if (t >= 0 && t < n_vocab_) counts_[static_cast<size_t>(t)] = 0;
}

void Sampler::top_k(size_t k) {
  k = std::min(k, cand_.size());
  auto by_logit = [](const Candidate& a, const Candidate& b) { return a.logit > b.logit || (a.logit == b.logit && a.id < b.id); };
  std::partial_sort(cand_.begin(), cand_.begin() + static_cast<std::ptrdiff_t>(k), cand_.end(), by_logit);
  cand_.resize(k);
  sorted_ = true;
}

void Sampler::softmax() {
  if (!sorted_) top_k(cand_.size());
  const float max = cand_.front().logit;
  double sum = 0.0;
  for (auto& c : cand_) {
    c.p = std::exp(c.logit - max);
    sum += c.p;
  }
  for (auto& c : cand_) c.p = static_cast<float>(c.p / sum);
}

void Sampler::typical(float p) {
  softmax();
  double entropy = 0.0;
  for (const auto& c : cand_)
    if (c.p > 0) entropy -= c.p * std::log(c.p);
  std::vector<std::pair<float, size_t>> shifted;
  shifted.reserve(cand_.size());
  for (size_t i = 0; i < cand_.size(); ++i)
    shifted.emplace_back(static_cast<float>(std::fabs(-std::log(cand_[i].p) - entropy)), i);
  std::stable_sort(shifted.begin(), shifted.end());
  double cum = 0.0;
  size_t keep = shifted.size();
  for (size_t i = 0; i < shifted.size(); ++i) {
    cum += cand_[shifted[i].second].p;
    if (cum > p) {
      keep = i + 1;
      break;
    }
  }
  std::vector<Candidate> kept;
  kept.reserve(keep);
  for (size_t i = 0; i < keep; ++i) kept.push_back(cand_[shifted[i].second]);
  cand_ = std::move(kept);
  sorted_ = false;
}

void Sampler::top_p(float p) {
  softmax();
  double cum = 0.0;
  size_t keep = cand_.size();
  for (size_t i = 0; i < cand_.size(); ++i) {
    cum += cand_[i].p;
    if (cum >= p) {
      keep = i + 1;
      break;
    }
  }
  cand_.resize(keep);
}

void Sampler::min_p(float p) {
  if (!sorted_) top_k(cand_.size());
  const float threshold = cand_.front().logit + std::log(p);
  size_t keep = 1;
  while (keep < cand_.size() && cand_[keep].logit >= threshold) ++keep;
  cand_.resize(keep);
}

int32_t Sampler::sample(const float* logits, const std::vector<uint64_t>* allowed) {
  const auto& p = params_;
  cand_.clear();
  for (int64_t i = 0; i < n_vocab_; ++i) cand_.push_back({static_cast<int32_t>(i), logits[i], 0.0f});
  sorted_ = false;
  apply_penalties();
  for (const auto& [id, bias] : p.logit_bias)
    if (id >= 0 && id < n_vocab_) cand_[static_cast<size_t>(id)].logit += bias;
  // The grammar's mask comes before every other step: top-k, top-p and the rest see
  // only tokens the grammar allows (as a masked logit of -inf would, without the infinities).
  if (allowed) {
    std::erase_if(cand_, [&](const Candidate& c) { return !((*allowed)[static_cast<size_t>(c.id) >> 6] >> (c.id & 63) & 1); });
    if (cand_.empty()) return -1;
  }

  if (p.temperature <= 0.0f) {
    auto best = std::max_element(cand_.begin(), cand_.end(),
                                 [](const Candidate& a, const Candidate& b) { return a.logit < b.logit; });
    return best->id;
  }
  if (p.top_k > 0) top_k(static_cast<size_t>(p.top_k));
  if (p.typical_p < 1.0f) typical(p.typical_p);
  if (p.top_p < 1.0f) top_p(p.top_p);
  if (p.min_p > 0.0f) min_p(p.min_p);
  for (auto& c : cand_) c.logit /= p.temperature;  // keeps the order
  softmax();
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  double r = uni(rng_), cum = 0.0;
  for (const auto& c : cand_) {
    cum += c.p;
    if (r < cum) return c.id;
  }
  return cand_.back().id;
}

}  // namespace heft::engine
