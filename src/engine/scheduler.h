#pragma once
// Runs generation requests for a server on one worker thread: requests wait in
// a bounded queue and are generated in order of arrival, each from a fresh
// context, so a request's tokens never depend on what else was asked (at
// temperature 0 they equal `heft run`'s). A consumer thread reads each job's
// text and tokens as they come and may cancel it; a cancelled job frees the
// worker before its next forward pass.
//
// This is the seam continuous batching plugs into (docs/serving.md): the
// interface (submit, events, cancel, counts) stays; the worker will step many
// sequences at once over a shared block pool.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "engine/context.h"
#include "engine/generate.h"
#include "engine/sampler.h"
#include "tokenizer/tokenizer.h"

namespace heft::engine {

struct SampledToken {
  int32_t id = 0;
  float logprob = 0;                               // log-softmax of the model's logits (when asked)
  std::vector<std::pair<int32_t, float>> top;      // the most likely ids and their logprobs (when asked)
};

struct JobSpec {
  std::vector<int32_t> prompt;
  SamplerParams sampling;
  GenerateParams generate;  // its on_token and cancelled are the scheduler's
  int top_logprobs = -1;    // -1: no logprobs; 0: the sampled token's only; k: also the k most likely
};

using Clock = std::chrono::steady_clock;

class Job {
 public:
  explicit Job(JobSpec spec) : spec_(std::move(spec)), enqueued_(Clock::now()) {}

  // What arrived since the last take(), a piece per sampled token: the token and
  // the final text that came with it (text a stop string held back arrives with a
  // later token; the last text may come without one).
  struct Piece {
    std::string text;
    std::optional<SampledToken> token;
  };
  struct Update {
    std::vector<Piece> pieces;
    bool done = false;
  };
  // Waits until something new arrived, the job ended, or the timeout passed.
  Update take(std::chrono::milliseconds timeout);
  void cancel() { cancel_.store(true); }
  bool cancelled() const { return cancel_.load(); }

  // After done: the outcome.
  const util::Result<GenerateResult>& result() const { return result_; }
  Clock::time_point enqueued() const { return enqueued_; }
  Clock::time_point started() const { return started_; }        // left the queue
  std::optional<Clock::time_point> first_token() const { return first_token_; }
  std::vector<double> inter_token_seconds() const;               // gaps between sampled tokens

 private:
  friend class Scheduler;
  JobSpec spec_;
  std::atomic<bool> cancel_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Piece> pieces_;
  bool open_piece_ = false;  // the last piece may still get text
  bool done_ = false;
  util::Result<GenerateResult> result_ = GenerateResult{};
  Clock::time_point enqueued_, started_;
  std::optional<Clock::time_point> first_token_;
  std::vector<Clock::time_point> token_times_;
};

class Scheduler {
 public:
  // ctx and tok outlive the scheduler; max_waiting: jobs that may wait (past it submit refuses).
  Scheduler(Context& ctx, const tokenizer::Tokenizer& tok, size_t max_waiting);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // nullptr when the queue is full (the server answers 429).
  std::shared_ptr<Job> submit(JobSpec spec);
  size_t waiting() const;
  size_t running() const;
  int64_t n_ctx() const { return ctx_.n_ctx(); }
  // Tokens of KV cache in use now, and in all.
  int64_t kv_used() const { return kv_used_.load(); }
  int64_t kv_total() const { return ctx_.n_ctx(); }

 private:
  void work();
  void run(Job& job);

  Context& ctx_;
  const tokenizer::Tokenizer& tok_;
  size_t max_waiting_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool running_job_ = false;
  bool stop_ = false;
  std::atomic<int64_t> kv_used_{0};
  std::thread worker_;
};

}  // namespace heft::engine
