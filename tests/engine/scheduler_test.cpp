// engine::Scheduler's bookkeeping of the block pool: requests that need the
// whole pool wait their turn instead of sharing it, and a request cancelled
// while it waits gives back exactly what it took (nothing), so later requests
// are neither refused nor handed blocks another sequence was promised.
#include <gtest/gtest.h>

#include <chrono>

#include "engine/scheduler.h"
#include "engine_fixture.h"
#include "tokenizer/tokenizer.h"

using namespace heft;
using namespace std::chrono_literals;

namespace {

engine::JobSpec greedy_job(int64_t max_tokens) {
  engine::JobSpec s;
  s.prompt = {1, 400, 401, 402, 403, 404, 405, 406};
  s.sampling.temperature = 0.0f;
  s.generate.max_tokens = max_tokens;
  s.generate.ignore_eog = true;
  return s;
}

engine::GenerateResult wait(engine::Job& job) {
  while (!job.take(100ms).done) {}
  EXPECT_TRUE(job.result()) << job.result().error().to_string();
  return job.result() ? *job.result() : engine::GenerateResult{};
}

}  // namespace

TEST(Scheduler, CancelledWaitingRequestsGiveBackWhatTheyDidNotTake) {
  auto m = test::load("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf");
  ASSERT_TRUE(m);
  auto tok = tokenizer::load_tokenizer(m->file);
  ASSERT_TRUE(tok);
  // A pool of one context (4 blocks of 16): each request below needs all of it.
  auto ctx = engine::Context::create(*m, {.n_ctx = 64, .n_threads = 2, .n_batch = 16, .kv_rows = 64, .max_rows = 16});
  ASSERT_TRUE(ctx);
  engine::Scheduler sched(**ctx, *tok, {.max_waiting = 16, .parallel = 4, .batch_tokens = 16});
  auto a = sched.submit(greedy_job(56));
  auto b = sched.submit(greedy_job(56));
  auto c = sched.submit(greedy_job(56));
  ASSERT_TRUE(a && b && c);
  b->cancel();
  c->cancel();
  const auto first = wait(*a);
  EXPECT_EQ(first.tokens.size(), 56u);
  while (!b->take(100ms).done) {}
  while (!c->take(100ms).done) {}
  // Two more at once: the second waits for the first's blocks, both complete alike.
  auto d = sched.submit(greedy_job(56));
  auto e = sched.submit(greedy_job(56));
  ASSERT_TRUE(d && e);
  EXPECT_EQ(wait(*d).tokens, first.tokens);
  EXPECT_EQ(wait(*e).tokens, first.tokens);
  for (int i = 0; i < 100 && sched.kv_blocks_used() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sched.kv_blocks_used(), 0);
  EXPECT_EQ(sched.kv_blocks_total(), 4);
}
