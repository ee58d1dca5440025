#include "serve/metrics.h"

#include <unistd.h>

#include <fstream>

#include "util/json.h"

namespace heft::serve {

namespace {

std::string num(double v) { return util::format_json_double(v); }

void header(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string prometheus_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

int64_t resident_memory_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * sysconf(_SC_PAGESIZE);
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::write(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? num(bounds_[i]) : "+Inf";
    out += name + "_bucket{" + labels + ",le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum{" + labels + "} " + num(sum_) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count_) + "\n";
}

void Metrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{endpoint, status}];
}

void Metrics::add_tokens(int64_t prompt, int64_t generated) {
  std::lock_guard lock(mu_);
  prompt_tokens_ += static_cast<uint64_t>(prompt);
  generated_tokens_ += static_cast<uint64_t>(generated);
}

void Metrics::observe_queue(double s) {
  std::lock_guard lock(mu_);
  queue_.observe(s);
}
void Metrics::observe_ttft(double s) {
  std::lock_guard lock(mu_);
  ttft_.observe(s);
}
void Metrics::observe_inter_token(double s) {
  std::lock_guard lock(mu_);
  itl_.observe(s);
}
void Metrics::observe_request(double s) {
  std::lock_guard lock(mu_);
  e2e_.observe(s);
}

std::string Metrics::render(const Gauges& g) const {
  const std::string m = "model=\"" + prometheus_label(model_) + "\"";
  std::string out;
  std::lock_guard lock(mu_);
  header(out, "heft_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
  for (const auto& [key, n] : requests_)
    out += "heft_requests_total{" + m + ",endpoint=\"" + prometheus_label(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  // One unlabelled series (but for the model) with its HELP and TYPE.
  auto scalar = [&](const char* name, const char* type, const char* help, auto value) {
    header(out, name, type, help);
    out += std::string(name) + "{" + m + "} " + std::to_string(value) + "\n";
  };
  scalar("heft_prompt_tokens_total", "counter", "Prompt tokens of finished generation requests.", prompt_tokens_);
  scalar("heft_generated_tokens_total", "counter", "Tokens generated.", generated_tokens_);
  header(out, "heft_queue_time_seconds", "histogram", "Time a generation request waited before it started.");
  queue_.write(out, "heft_queue_time_seconds", m);
  header(out, "heft_time_to_first_token_seconds", "histogram", "From a request's arrival to its first token.");
  ttft_.write(out, "heft_time_to_first_token_seconds", m);
  header(out, "heft_inter_token_latency_seconds", "histogram", "Between consecutive tokens of one request.");
  itl_.write(out, "heft_inter_token_latency_seconds", m);
  header(out, "heft_request_duration_seconds", "histogram", "From a generation request's arrival to its end.");
  e2e_.write(out, "heft_request_duration_seconds", m);
  scalar("heft_sequences_running", "gauge", "Sequences being generated now.", g.running);
  scalar("heft_sequences_waiting", "gauge", "Requests waiting for the scheduler.", g.waiting);
  scalar("heft_kv_cache_used_blocks", "gauge", "KV cache blocks held by running sequences.", g.kv_blocks_used);
  scalar("heft_kv_cache_blocks", "gauge", "KV cache blocks in all.", g.kv_blocks_total);
  scalar("heft_kv_cache_block_size_tokens", "gauge", "Tokens per KV cache block.", g.block_size);
  scalar("heft_prefix_cache_queries_total", "counter", "Prompt tokens looked up in the prefix cache.", g.prefix_queries);
  scalar("heft_prefix_cache_hits_total", "counter", "Prompt tokens found in the prefix cache (not computed again).", g.prefix_hits);
  scalar("heft_process_resident_memory_bytes", "gauge", "Resident memory of the heft process.", resident_memory_bytes());
  return out;
}

}  // namespace heft::serve
