#pragma once
// The server's counters, gauges and latency histograms, written in the
// Prometheus text format (version 0.0.4) for GET /metrics. Every series
// carries the model's name as a label. Thread-safe: request threads and the
// scheduler record, the /metrics handler reads.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace heft::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  // Appends NAME_bucket{...,le=...}, NAME_sum, NAME_count; labels: `model="x"` (no braces).
  void write(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  explicit Metrics(std::string model) : model_(std::move(model)) {}

  void count_request(const std::string& endpoint, int status);
  void add_tokens(int64_t prompt, int64_t generated);
  void observe_queue(double seconds);
  void observe_ttft(double seconds);
  void observe_inter_token(double seconds);
  void observe_request(double seconds);

  // Gauges read when /metrics is asked for.
  struct Gauges {
    int64_t running = 0, waiting = 0, kv_blocks_used = 0, kv_blocks_total = 0, block_size = 0;
    int64_t prefix_queries = 0, prefix_hits = 0;  // prompt tokens looked up in the prefix cache, found there
  };
  std::string render(const Gauges& g) const;

 private:
  std::string model_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (endpoint, status) → count
  uint64_t prompt_tokens_ = 0, generated_tokens_ = 0;
  Histogram queue_{{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}};
  Histogram ttft_{{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}};
  Histogram itl_{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}};
  Histogram e2e_{{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}};
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string prometheus_label(const std::string& value);
// The resident set size of this process in bytes (/proc/self/statm), 0 when unknown.
int64_t resident_memory_bytes();

}  // namespace heft::serve
