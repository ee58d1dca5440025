#pragma once
// The OpenAI-compatible API over one loaded model: routing, the API key,
// request checks, prompts through the session layer, generation through the
// engine's Scheduler, responses and Server-Sent Event streams in OpenAI's
// shapes, /metrics, and one JSON log line per request. No model logic here.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "chat/tool_call_format.h"
#include "grammar/token_mask.h"
#include <string>

#include "engine/context.h"
#include "engine/scheduler.h"
#include "serve/api_error.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "session/chat_prompt.h"
#include "session/model_loader.h"

namespace heft::serve {

struct ApiOptions {
  std::string alias;          // the model's name in the API; empty: the file's stem
  std::string api_key;        // empty: no key needed
  bool log_prompts = false;   // log lines include the prompt text
  size_t max_waiting = 64;    // requests waiting for the scheduler; past it 429
  int64_t parallel = 8;       // sequences generated at once (engine::SchedulerParams)
  int64_t batch_tokens = 512; // rows per forward pass
  bool batch_order_only = false;  // engine::SchedulerParams::batch_order_only
  bool webui = true;           // the chat page at / (--no-webui: 404)
  int64_t kv_tokens = 0;      // KV cache pool in tokens; 0: from kv_memory, else a context per parallel sequence
  uint64_t kv_memory = 0;     // KV cache pool in bytes (when kv_tokens is 0)
};

class ApiServer {
 public:
  explicit ApiServer(ApiOptions options);
  ~ApiServer();

  // Called once the model is ready; until then every endpoint but /health answers 503.
  util::Result<void> attach(session::LoadedModel& model, const engine::ContextParams& ctx);
  void handle(const HttpRequest& req, ResponseWriter& w);
  // Cancels every running and waiting generation (shutdown past its timeout).
  void cancel_all();
  const std::string& alias() const { return alias_; }
  int64_t n_ctx() const { return ctx_ ? ctx_->n_ctx() : 0; }
  // The KV cache pool: tokens and bytes.
  int64_t kv_tokens() const { return ctx_ ? ctx_->cache().n_rows() : 0; }
  size_t kv_bytes() const { return ctx_ ? ctx_->cache().bytes() : 0; }

 private:
  struct Outcome {  // what the log line reports
    int status = 0;
    std::string endpoint;
    int64_t prompt_tokens = -1, completion_tokens = -1;
    double queue_ms = -1, ttft_ms = -1;
    std::string prompt;  // only with --log-prompts
    std::string user;    // the request's `user`: OpenAI's end-user id, for tracing abuse
  };
  void route(const HttpRequest& req, ResponseWriter& w, Outcome& o);
  void completions(const HttpRequest& req, ResponseWriter& w, Outcome& o, bool chat);
  void embeddings(const HttpRequest& req, ResponseWriter& w, Outcome& o);
  int tokenize(const HttpRequest& req, ResponseWriter& w);    // returns the status sent
  int detokenize(const HttpRequest& req, ResponseWriter& w);
  void models(ResponseWriter& w);
  // Ollama's API (ollama_routes.cpp): /api/chat, /api/generate through completions(), /api/tags, /api/show, /api/version.
  void ollama(const HttpRequest& req, ResponseWriter& w, Outcome& o);
  util::Json ollama_details() const;
  bool authorized(const HttpRequest& req) const;
  void track(const std::shared_ptr<engine::Job>& job, bool add);
  // Submits a job and tracks it into jobs; false when the queue is full.
  bool enqueue(engine::JobSpec spec, std::vector<std::shared_ptr<engine::Job>>& jobs);
  // Cancels and untracks the jobs of a request that ends early.
  void cancel_jobs(std::vector<std::shared_ptr<engine::Job>>& jobs);
  // 404 when a request names a model other than this one (an empty name means this one).
  std::optional<ApiError> unknown_model(const std::string& model) const;

  ApiOptions opts_;
  std::string alias_;
  std::atomic<bool> ready_{false};
  session::LoadedModel* model_ = nullptr;
  std::optional<session::ChatPrompt> chat_;
  std::optional<session::ChatPrompt> tool_chat_;  // the model's "tool_use" template, when it has one
  chat::ToolFormat tool_format_ = chat::ToolFormat::None;  // how its replies write tool calls
  std::string chat_error_;  // why there is no chat_
  bool reasoning_ = false;  // the template marks reasoning with <think>...</think>
  std::unique_ptr<engine::Context> ctx_;
  std::unique_ptr<engine::Scheduler> scheduler_;
  std::unique_ptr<Metrics> metrics_;
  // The vocabulary as grammars see it, built on the first constrained request.
  std::shared_ptr<const grammar::VocabIndex> vocab_index();
  std::mutex vocab_mu_;
  std::shared_ptr<const grammar::VocabIndex> vocab_index_;
  std::mutex jobs_mu_;
  std::set<std::shared_ptr<engine::Job>> jobs_;
};

// Equal strings in time that depends on their lengths only, not on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace heft::serve
