#pragma once
// Continuous batching for a server, on one worker thread. Requests wait in a
// bounded queue and are admitted in order of arrival while fewer than
// `parallel` run and the cache can hold what each may need (its prompt plus
// max_tokens, reserved up front so a running sequence never runs out); each
// pass then computes every running sequence's next token and, with the rest
// of the `batch_tokens` budget, chunks of the prompts still being read, so a
// long prompt never stalls the streams already running.
//
// The cache is one pool of blocks (engine::KvPool): a prompt whose first
// blocks were computed before (same tokens, summed in the same order) starts
// from them. A sequence's rows are summed exactly as `heft run` sums them
// (prompt chunks of n_batch in batch order, a lone row and generated tokens in
// single-token order) and no row depends on the others in a pass, so at
// temperature 0 a request gets `heft run`'s tokens whatever else is running.
//
// A consumer thread reads each job's text and tokens as they come and may
// cancel it; a cancelled job leaves the pass after the one running now.
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

#include "engine/kv_pool.h"
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

// How an embedding pools a prompt's final hidden states (GGUF's pooling_type numbers).
enum class Pooling { None = 0, Mean = 1, Cls = 2, Last = 3 };

struct JobSpec {
  std::vector<int32_t> prompt;
  // Set: an embedding of the prompt, pooled so and L2-normalized, instead of a generation.
  std::optional<Pooling> embed;
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
  int64_t cached_tokens() const { return cached_tokens_.load(); }  // prompt tokens found in the prefix cache
  const std::vector<float>& embedding() const { return embedding_; }  // after done, for an embedding job

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
  std::atomic<int64_t> cached_tokens_{0};
  std::vector<float> embedding_;
};

struct SchedulerParams {
  size_t max_waiting = 64;     // jobs that may wait; past it submit refuses
  int64_t parallel = 8;        // sequences generated at once
  int64_t batch_tokens = 512;  // rows per pass (at least parallel; the context's max_rows at most)
  // true: every row is summed in batch order, generated tokens too (faster
  // with many streams). Rows still do not depend on each other, but a
  // request's results then differ from `heft run`'s by rounding. false (the
  // default): `heft run`'s orders. docs/performance.md records the cost.
  bool batch_order_only = false;
};

class Scheduler {
 public:
  // ctx (created with kv_rows and max_rows for this) and tok outlive the scheduler.
  Scheduler(Context& ctx, const tokenizer::Tokenizer& tok, SchedulerParams params);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // nullptr when the queue is full (the server answers 429). A job whose prompt
  // plus max_tokens exceeds max_sequence_tokens() ends at once with an error.
  std::shared_ptr<Job> submit(JobSpec spec);
  size_t waiting() const;
  size_t running() const { return running_.load(); }
  int64_t n_ctx() const { return ctx_.n_ctx(); }
  // The most positions one sequence may use: its context, or the whole pool if smaller.
  int64_t max_sequence_tokens() const;
  // Cache blocks held by sequences now, and in all; tokens per block.
  int64_t kv_blocks_used() const { return blocks_used_.load(); }
  int64_t kv_blocks_total() const { return pool_.total(); }
  int64_t block_size() const { return pool_.block_size(); }
  // Prompt tokens looked up in the prefix cache, and found there.
  int64_t prefix_queries() const { return prefix_queries_.load(); }
  int64_t prefix_hits() const { return prefix_hits_.load(); }

 private:
  struct Sequence;
  void work();
  // Under mu_: moves jobs from the queue to running (generations) or embeds.
  void admit(std::vector<std::unique_ptr<Sequence>>& running, std::vector<std::shared_ptr<Job>>& embeds);
  void embed(Job& job);  // one embedding job, in passes of its own
  bool step(std::vector<std::unique_ptr<Sequence>>& running);   // false: the pass failed (each sequence ended)
  void finish(Sequence& s, const util::Error* error = nullptr);  // hands the job its outcome, frees the blocks
  int64_t blocks_for(const JobSpec& spec) const;

  Context& ctx_;
  const tokenizer::Tokenizer& tok_;
  SchedulerParams params_;
  KvPool pool_;        // the worker's only
  int64_t reserved_ = 0;  // blocks promised to running sequences and not yet taken
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
  std::atomic<size_t> running_{0};
  std::atomic<int64_t> blocks_used_{0}, prefix_queries_{0}, prefix_hits_{0};
  std::thread worker_;
};

}  // namespace heft::engine
