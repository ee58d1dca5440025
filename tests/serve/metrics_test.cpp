// The Prometheus text /metrics serves: cumulative histogram buckets, every
// series labelled with the model, label values escaped. (promtool checks the
// whole page in tests/reference/serve_openai.mjs.)
#include <gtest/gtest.h>

#include "serve/api_server.h"
#include "serve/metrics.h"

namespace heft::serve {
namespace {

TEST(Metrics, HistogramBucketsAreCumulative) {
  Histogram h({0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(0.5);
  h.observe(5);
  std::string out;
  h.write(out, "x_seconds", "model=\"m\"");
  EXPECT_EQ(out,
            "x_seconds_bucket{model=\"m\",le=\"0.1\"} 1\n"
            "x_seconds_bucket{model=\"m\",le=\"1.0\"} 3\n"
            "x_seconds_bucket{model=\"m\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{model=\"m\"} 6.05\n"
            "x_seconds_count{model=\"m\"} 4\n");
}

TEST(Metrics, EverySeriesCarriesTheModel) {
  Metrics m("my \"model\"");
  m.count_request("/v1/completions", 200);
  m.count_request("/v1/completions", 200);
  m.count_request("/v1/completions", 400);
  m.add_tokens(10, 5);
  m.observe_ttft(0.2);
  const std::string text = m.render({.running = 1, .waiting = 2, .kv_blocks_used = 3, .kv_blocks_total = 32, .block_size = 16, .prefix_queries = 100, .prefix_hits = 48});
  EXPECT_NE(text.find("heft_requests_total{model=\"my \\\"model\\\"\",endpoint=\"/v1/completions\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("heft_prompt_tokens_total{model=\"my \\\"model\\\"\"} 10\n"), std::string::npos);
  EXPECT_NE(text.find("heft_sequences_waiting{model=\"my \\\"model\\\"\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("heft_kv_cache_used_blocks{model=\"my \\\"model\\\"\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("heft_prefix_cache_hits_total{model=\"my \\\"model\\\"\"} 48\n"), std::string::npos);
  size_t pos = 0;
  int series = 0;
  while ((pos = text.find('\n', pos)) != std::string::npos) {
    const size_t start = text.rfind('\n', pos - 1) == std::string::npos ? 0 : text.rfind('\n', pos - 1) + 1;
    const std::string line = text.substr(start, pos - start);
    ++pos;
    if (line.empty() || line[0] == '#') continue;
    ++series;
    EXPECT_NE(line.find("{model=\"my \\\"model\\\"\""), std::string::npos) << line;
  }
  EXPECT_GT(series, 40);
  EXPECT_GT(resident_memory_bytes(), 0);
}

TEST(ApiKey, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("secret", ""));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace heft::serve
