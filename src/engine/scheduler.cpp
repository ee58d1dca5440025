#include "engine/scheduler.h"

#include <algorithm>
#include <cmath>

namespace heft::engine {

namespace {

// log-softmax of one row, and the k largest entries (ties: the lower id first).
SampledToken logprobs(const float* logits, int64_t n_vocab, int32_t id, int k) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n_vocab; ++i) max = std::max(max, logits[i]);
  double sum = 0;
  for (int64_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - max));
  const float log_z = max + static_cast<float>(std::log(sum));
  SampledToken t;
  t.id = id;
  t.logprob = logits[id] - log_z;
  if (k > 0) {
    std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
    for (int64_t i = 0; i < n_vocab; ++i) ids[static_cast<size_t>(i)] = static_cast<int32_t>(i);
    const size_t kk = std::min<size_t>(static_cast<size_t>(k), ids.size());
    std::partial_sort(ids.begin(), ids.begin() + static_cast<long>(kk), ids.end(), [&](int32_t a, int32_t b) {
      return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
    for (size_t i = 0; i < kk; ++i) t.top.emplace_back(ids[i], logits[ids[i]] - log_z);
  }
  return t;
}

}  // namespace

Job::Update Job::take(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return done_ || !pieces_.empty(); });
  Update u;
  u.pieces = std::move(pieces_);
  pieces_.clear();
  open_piece_ = false;
  u.done = done_;
  return u;
}

std::vector<double> Job::inter_token_seconds() const {
  std::lock_guard lock(mu_);
  std::vector<double> out;
  for (size_t i = 1; i < token_times_.size(); ++i)
    out.push_back(std::chrono::duration<double>(token_times_[i] - token_times_[i - 1]).count());
  return out;
}

Scheduler::Scheduler(Context& ctx, const tokenizer::Tokenizer& tok, size_t max_waiting)
    : ctx_(ctx), tok_(tok), max_waiting_(max_waiting), worker_([this] { work(); }) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    for (auto& j : queue_) j->cancel();
  }
  cv_.notify_all();
  worker_.join();
}

std::shared_ptr<Job> Scheduler::submit(JobSpec spec) {
  std::lock_guard lock(mu_);
  if (stop_ || queue_.size() >= max_waiting_) return nullptr;
  auto job = std::make_shared<Job>(std::move(spec));
  queue_.push_back(job);
  cv_.notify_all();
  return job;
}

size_t Scheduler::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t Scheduler::running() const {
  std::lock_guard lock(mu_);
  return running_job_ ? 1 : 0;
}

void Scheduler::work() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      running_job_ = true;
    }
    run(*job);
    std::lock_guard lock(mu_);
    running_job_ = false;
  }
}

void Scheduler::run(Job& job) {
  job.started_ = Clock::now();
  const JobSpec& spec = job.spec_;
  GenerateParams gp = spec.generate;
  const int64_t n_vocab = ctx_.n_vocab();
  gp.cancelled = [&] { return job.cancelled(); };
  gp.on_token = [&](int32_t id, const float* logits) {
    SampledToken t = spec.top_logprobs >= 0 ? logprobs(logits, n_vocab, id, spec.top_logprobs) : SampledToken{id};
    const auto now = Clock::now();
    std::lock_guard lock(job.mu_);
    if (!job.first_token_) job.first_token_ = now;
    job.token_times_.push_back(now);
    job.pieces_.push_back({std::string(), std::move(t)});
    job.open_piece_ = true;
    job.cv_.notify_all();
    kv_used_.store(ctx_.n_past());
  };
  auto on_text = [&](std::string_view piece) {
    std::lock_guard lock(job.mu_);
    if (!job.open_piece_) {
      job.pieces_.push_back({});
      job.open_piece_ = true;
    }
    job.pieces_.back().text.append(piece);
    job.cv_.notify_all();
  };
  ctx_.clear();
  Sampler sampler(spec.sampling, n_vocab);
  auto r = generate(ctx_, sampler, tok_, spec.prompt, gp, on_text);
  kv_used_.store(0);
  std::lock_guard lock(job.mu_);
  job.result_ = std::move(r);
  job.done_ = true;
  job.cv_.notify_all();
}

}  // namespace heft::engine
