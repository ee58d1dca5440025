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

struct Scheduler::Sequence {
  std::shared_ptr<Job> job;
  GenerateParams gp;  // gen keeps a reference
  Sampler sampler;
  std::unique_ptr<Generation> gen;
  std::vector<int32_t> tokens;  // the prompt, then each sampled token
  std::vector<int32_t> blocks;  // cache blocks, one per block_size positions
  int64_t prompt_len = 0;
  int64_t computed = 0;         // positions whose keys and values are in the cache
  int64_t reserved = 0;         // blocks promised and not yet taken
  int64_t published = 0;        // leading blocks in the prefix cache (or that never will be)
  bool publishing = true;
  uint64_t chain = 0;           // chain hash of the published blocks

  Sequence(std::shared_ptr<Job> j, int64_t n_vocab) : job(std::move(j)), sampler(job->spec_.sampling, n_vocab) {}
  bool batch_order_only = false;  // SchedulerParams::batch_order_only
  // How prompt row p is summed: as `heft run` does, in batch order unless its chunk of n_batch has it alone.
  bool batch_order(int64_t p, int64_t n_batch) const {
    if (batch_order_only) return true;
    if (p >= prompt_len) return false;
    return std::min(n_batch, prompt_len - p / n_batch * n_batch) > 1;
  }
};

Scheduler::Scheduler(Context& ctx, const tokenizer::Tokenizer& tok, SchedulerParams params)
    : ctx_(ctx), tok_(tok), params_(params), pool_(ctx.n_blocks(), Context::block_size()) {
  params_.parallel = std::max<int64_t>(1, params_.parallel);
  params_.batch_tokens = std::clamp<int64_t>(params_.batch_tokens, params_.parallel, ctx.max_rows());
  params_.parallel = std::min(params_.parallel, params_.batch_tokens);
  worker_ = std::thread([this] { work(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    for (auto& j : queue_) j->cancel();
  }
  cv_.notify_all();
  worker_.join();
}

int64_t Scheduler::max_sequence_tokens() const { return std::min(ctx_.n_ctx(), pool_.total() * pool_.block_size()); }

int64_t Scheduler::blocks_for(const JobSpec& spec) const {
  const int64_t prompt = static_cast<int64_t>(spec.prompt.size());
  const int64_t gen = spec.generate.max_tokens < 0 ? ctx_.n_ctx() : spec.generate.max_tokens;
  const int64_t tokens = std::min(ctx_.n_ctx(), prompt + gen);
  return (tokens + pool_.block_size() - 1) / pool_.block_size();
}

std::shared_ptr<Job> Scheduler::submit(JobSpec spec) {
  auto job = std::make_shared<Job>(std::move(spec));
  const int64_t prompt = static_cast<int64_t>(job->spec_.prompt.size());
  if (prompt == 0 || prompt >= max_sequence_tokens() || blocks_for(job->spec_) > pool_.total()) {
    std::lock_guard lock(job->mu_);
    job->result_ = util::fail("the prompt (" + std::to_string(prompt) + " tokens) and its generation do not fit the cache");
    job->done_ = true;
    return job;
  }
  std::lock_guard lock(mu_);
  if (stop_ || queue_.size() >= params_.max_waiting) return nullptr;
  queue_.push_back(job);
  cv_.notify_all();
  return job;
}

size_t Scheduler::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Scheduler::work() {
  std::vector<std::unique_ptr<Sequence>> running;
  std::vector<std::shared_ptr<Job>> embeds;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty() || !running.empty(); });
      if (stop_ && queue_.empty() && running.empty()) return;
      admit(running, embeds);
    }
    for (auto& j : embeds) embed(*j);
    embeds.clear();
    running_.store(running.size());
    if (!running.empty()) step(running);
    std::erase_if(running, [](const std::unique_ptr<Sequence>& s) { return s->gen->done(); });
    running_.store(running.size());
    blocks_used_.store(pool_.used());
  }
}

void Scheduler::admit(std::vector<std::unique_ptr<Sequence>>& running, std::vector<std::shared_ptr<Job>>& embeds) {
  const int64_t bs = pool_.block_size(), n_vocab = ctx_.n_vocab();
  int64_t embed_blocks = 0;
  while (!queue_.empty()) {
    std::shared_ptr<Job> job = queue_.front();
    const JobSpec& spec = job->spec_;
    const int64_t prompt_len = static_cast<int64_t>(spec.prompt.size());
    if (spec.embed) {  // blocks for its passes, back in the pool once it is done
      const int64_t need = (prompt_len + bs - 1) / bs;
      if (embed_blocks + need > pool_.available() - reserved_) return;
      embed_blocks += need;
      job->started_ = Clock::now();
      embeds.push_back(std::move(job));
      queue_.pop_front();
      continue;
    }
    if (static_cast<int64_t>(running.size()) >= params_.parallel) return;
    std::vector<int32_t> matched;
    int64_t need = 0;  // blocks reserved for it (none for a job cancelled before it started)
    if (!job->cancelled()) {
      // The last prompt token is always computed: its logits start the generation.
      matched = pool_.match(spec.prompt, (prompt_len - 1) / bs);
      need = blocks_for(spec) - static_cast<int64_t>(matched.size());
      if (need > pool_.available() - reserved_ - embed_blocks) {
        for (int32_t b : matched) pool_.release(b);
        return;  // first come, first served: the head waits for blocks, nobody passes it
      }
      reserved_ += need;
      prefix_queries_ += prompt_len;
      prefix_hits_ += static_cast<int64_t>(matched.size()) * bs;
    }
    queue_.pop_front();
    auto s = std::make_unique<Sequence>(job, n_vocab);
    Sequence& q = *s;
    q.gp = spec.generate;
    q.batch_order_only = params_.batch_order_only;
    q.tokens = spec.prompt;
    q.prompt_len = prompt_len;
    q.blocks = matched;
    q.reserved = need;
    q.computed = static_cast<int64_t>(matched.size()) * bs;
    q.published = static_cast<int64_t>(matched.size());
    for (int64_t b = 0; b < q.published; ++b)
      q.chain = KvPool::chain_hash(q.chain, std::span<const int32_t>(q.tokens).subspan(static_cast<size_t>(b * bs), static_cast<size_t>(bs)));
    job->cached_tokens_.store(q.computed);
    job->started_ = Clock::now();
    Job* jp = job.get();
    const int top = spec.top_logprobs;
    q.gp.on_token = [jp, top, n_vocab](int32_t id, const float* logits) {
      SampledToken t = top >= 0 ? logprobs(logits, n_vocab, id, top) : SampledToken{id};
      const auto now = Clock::now();
      std::lock_guard lock(jp->mu_);
      if (!jp->first_token_) jp->first_token_ = now;
      jp->token_times_.push_back(now);
      jp->pieces_.push_back({std::string(), std::move(t)});
      jp->open_piece_ = true;
      jp->cv_.notify_all();
    };
    q.gp.cancelled = nullptr;
    q.gen = std::make_unique<Generation>(tok_, q.sampler, q.gp, [jp](std::string_view piece) {
      std::lock_guard lock(jp->mu_);
      if (!jp->open_piece_) {
        jp->pieces_.push_back({});
        jp->open_piece_ = true;
      }
      jp->pieces_.back().text.append(piece);
      jp->cv_.notify_all();
    });
    q.gen->start(spec.prompt);
    if (job->cancelled()) q.gen->end(StopReason::Cancelled);
    if (q.gen->done()) {
      finish(q);
      continue;
    }
    running.push_back(std::move(s));
  }
}

void Scheduler::embed(Job& job) {
  const JobSpec& spec = job.spec_;
  const int64_t bs = pool_.block_size(), n = static_cast<int64_t>(spec.prompt.size()), E = ctx_.model().hp.n_embd;
  std::vector<int32_t> blocks;
  for (int64_t b = 0; b < (n + bs - 1) / bs; ++b) blocks.push_back(pool_.allocate());  // admit saw them free
  Batch batch;
  batch.keep_hidden = true;
  batch.blocks.emplace_back(blocks);
  std::vector<double> pooled(static_cast<size_t>(E), 0.0);
  util::Result<void> r;
  for (int64_t start = 0; start < n && r && !job.cancelled(); start += ctx_.max_rows()) {
    const int64_t len = std::min(ctx_.max_rows(), n - start);
    batch.rows.clear();
    for (int64_t p = start; p < start + len; ++p) batch.rows.push_back(BatchRow{spec.prompt[static_cast<size_t>(p)], p, 0, true, false});
    r = ctx_.decode_batch(batch);
    if (!r) break;
    for (int64_t t = 0; t < len; ++t) {
      const int64_t p = start + t;
      const bool take = *spec.embed == Pooling::Mean || (*spec.embed == Pooling::Cls && p == 0) ||
                        (*spec.embed != Pooling::Mean && *spec.embed != Pooling::Cls && p == n - 1);
      if (!take) continue;
      const float* h = ctx_.hidden(t);
      for (int64_t i = 0; i < E; ++i) pooled[static_cast<size_t>(i)] += h[i];
    }
  }
  for (int32_t b : blocks) pool_.release(b);
  std::vector<float> out(static_cast<size_t>(E));
  double norm = 0;
  const double scale = *spec.embed == Pooling::Mean ? 1.0 / static_cast<double>(n) : 1.0;
  for (int64_t i = 0; i < E; ++i) norm += (pooled[static_cast<size_t>(i)] * scale) * (pooled[static_cast<size_t>(i)] * scale);
  const double inv = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
  for (int64_t i = 0; i < E; ++i) out[static_cast<size_t>(i)] = static_cast<float>(pooled[static_cast<size_t>(i)] * scale * inv);
  std::lock_guard lock(job.mu_);
  if (!r) job.result_ = std::unexpected(r.error());
  else if (job.cancelled()) job.result_.value().stop_reason = StopReason::Cancelled;
  job.embedding_ = std::move(out);
  job.first_token_ = Clock::now();
  job.done_ = true;
  job.cv_.notify_all();
}

bool Scheduler::step(std::vector<std::unique_ptr<Sequence>>& running) {
  const int64_t bs = pool_.block_size(), n_batch = ctx_.n_batch();
  for (auto& s : running)
    if (s->job->cancelled()) {
      s->gen->end(StopReason::Cancelled);
      finish(*s);
    }

  // Generated tokens first (every running stream moves each pass), then prompt
  // chunks in order of arrival with what the budget leaves.
  Batch batch;
  std::vector<BatchRow> token_rows;
  std::vector<Sequence*> seqs;      // by BatchRow::seq
  std::vector<int64_t> added;       // rows per sequence this pass
  int64_t budget = params_.batch_tokens;
  auto take_block = [&](Sequence& s, int64_t pos) {
    if (pos / bs < static_cast<int64_t>(s.blocks.size())) return true;
    const int32_t b = pool_.allocate();
    if (b < 0 || s.reserved <= 0) return false;  // the reservation makes this unreachable
    s.blocks.push_back(b);
    --s.reserved;
    --reserved_;
    return true;
  };
  auto add_row = [&](Sequence& s, int32_t seq, int64_t pos, bool batch_order, bool logits) {
    if (!take_block(s, pos)) return false;
    (batch_order ? batch.rows : token_rows).push_back(BatchRow{s.tokens[static_cast<size_t>(pos)], pos, seq, batch_order, logits});
    --budget;
    ++added[static_cast<size_t>(seq)];
    return true;
  };
  auto enlist = [&](Sequence& s) {
    seqs.push_back(&s);
    added.push_back(0);
    return static_cast<int32_t>(seqs.size() - 1);
  };
  bool ok = true;
  for (auto& sp : running) {
    Sequence& s = *sp;
    if (s.gen->done() || s.computed < s.prompt_len) continue;
    ok = ok && add_row(s, enlist(s), s.computed, params_.batch_order_only, true);
  }
  for (auto& sp : running) {
    Sequence& s = *sp;
    if (s.gen->done() || s.computed >= s.prompt_len || budget <= 0) continue;
    const int32_t seq = enlist(s);
    const int64_t end = std::min(s.prompt_len, s.computed + budget);
    for (int64_t p = s.computed; p < end && ok; ++p)
      ok = add_row(s, seq, p, s.batch_order(p, n_batch), p == s.prompt_len - 1);
  }
  for (Sequence* s : seqs) batch.blocks.emplace_back(s->blocks);
  batch.rows.insert(batch.rows.end(), token_rows.begin(), token_rows.end());
  util::Result<void> r = ok ? ctx_.decode_batch(batch) : util::fail("the cache ran out of blocks");
  if (!r) {
    for (auto& s : running) {
      if (s->gen->done()) continue;
      s->gen->end(StopReason::Cancelled);
      finish(*s, &r.error());
    }
    return false;
  }

  // Logits in row order: map each kept row to its sequence.
  int64_t li = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    Sequence& s = *seqs[i];
    s.computed += added[i];
    // Blocks every row of which was summed in batch order join the prefix cache.
    while (s.publishing && (s.published + 1) * bs <= s.computed) {
      const int64_t b0 = s.published * bs;
      bool all = true;
      for (int64_t p = b0; p < b0 + bs && all; ++p) all = s.batch_order(p, n_batch);
      if (!all) {
        s.publishing = false;
        break;
      }
      s.chain = pool_.publish(s.blocks[static_cast<size_t>(s.published)], s.chain,
                              std::span<const int32_t>(s.tokens).subspan(static_cast<size_t>(b0), static_cast<size_t>(bs)));
      ++s.published;
    }
  }
  for (const BatchRow& row : batch.rows) {
    if (!row.logits) continue;
    Sequence& s = *seqs[static_cast<size_t>(row.seq)];
    s.gen->step(ctx_.logits(li++));
    if (!s.gen->done()) {
      s.tokens.push_back(s.gen->next());
      if (s.computed >= ctx_.n_ctx()) s.gen->end(StopReason::ContextFull);
      else if (s.job->cancelled()) s.gen->end(StopReason::Cancelled);
    }
    if (s.gen->done()) finish(s);
  }
  return true;
}

void Scheduler::finish(Sequence& s, const util::Error* error) {
  for (int32_t b : s.blocks) pool_.release(b);
  s.blocks.clear();
  reserved_ -= s.reserved;
  s.reserved = 0;
  blocks_used_.store(pool_.used());  // before the job hears it is done
  Job& job = *s.job;
  GenerateResult& r = s.gen->result();
  r.timings.prompt_tokens = s.prompt_len;
  r.timings.generated_tokens = static_cast<int64_t>(r.tokens.size());
  const auto now = Clock::now();
  std::lock_guard lock(job.mu_);
  if (job.first_token_) {
    r.timings.prompt_ms = std::chrono::duration<double, std::milli>(*job.first_token_ - job.started_).count();
    r.timings.generation_ms = std::chrono::duration<double, std::milli>(now - *job.first_token_).count();
  }
  if (error) job.result_ = std::unexpected(*error);
  else job.result_ = std::move(r);
  job.done_ = true;
  job.cv_.notify_all();
}

}  // namespace heft::engine
