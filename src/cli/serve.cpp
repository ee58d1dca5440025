// `heft serve [MODEL]`: the OpenAI-compatible HTTP API (src/serve/). Listens
// first, so /health answers 503 while the model loads; SIGTERM or SIGINT stops
// accepting, lets running requests finish up to --shutdown-timeout, exits 0.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cli/command.h"
#include "cli/model_options.h"
#include "serve/api_error.h"
#include "serve/api_server.h"
#include "serve/http_server.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

struct ServeArgs {
  std::string model, host = "127.0.0.1", api_key, api_key_file, alias;
  uint16_t port = 8080;
  size_t max_body = 8 << 20, max_queue = 64, max_connections = 256;
  double shutdown_timeout = 30;
  int64_t parallel = 8, batch_tokens = 512, kv_size = 0;
  std::string kv_memory, decode_order = "token";
  bool log_prompts = false;
  bool no_webui = false;
  ContextOptions ctx;
};

// "2G", "512MiB", "1000000": bytes (K, M, G, T and their KiB forms are powers of 1024).
util::Result<uint64_t> parse_bytes(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {
    used = 0;
  }
  std::string unit = text.substr(used);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();
  const std::string units = "KMGT";
  double scale = 1;
  if (unit.size() == 1 && units.find(unit[0]) != std::string::npos) scale = std::pow(1024.0, 1.0 + static_cast<double>(units.find(unit[0])));
  else if (!unit.empty() && unit != "B") used = 0;
  if (used == 0 || !(v > 0) || v * scale > 1e18)
    return util::fail("--kv-memory: '" + text + "' is not a size in bytes (e.g. 2G, 512MiB, 1000000)");
  return static_cast<uint64_t>(v * scale);
}

int serve(const ServeArgs& a) {
  serve::ApiOptions api;
  api.alias = a.alias;
  api.log_prompts = a.log_prompts;
  api.webui = !a.no_webui;
  api.max_waiting = a.max_queue;
  api.parallel = a.parallel;
  api.batch_tokens = a.batch_tokens;
  if (a.decode_order != "token" && a.decode_order != "batch")
    return report(util::Error("--decode-order must be token or batch, not '" + a.decode_order + "'"));
  api.batch_order_only = a.decode_order == "batch";
  if (a.kv_size < 0) return report(util::Error("--kv-size must be positive"));
  if (a.parallel < 1) return report(util::Error("--parallel must be at least 1"));
  if (a.batch_tokens < a.parallel)
    return report(util::Error("--batch-tokens (" + std::to_string(a.batch_tokens) + ") must be at least --parallel (" +
                              std::to_string(a.parallel) + "): every running sequence takes a row of each pass"));
  api.kv_tokens = a.kv_size;
  if (!a.kv_memory.empty()) {
    auto bytes = parse_bytes(a.kv_memory);
    if (!bytes) return report(bytes.error());
    api.kv_memory = *bytes;
  }
  api.api_key = a.api_key;
  if (!a.api_key_file.empty()) {
    auto key = util::read_file(a.api_key_file, 64 << 10);
    if (!key) return report(key.error());
    api.api_key = *key;
    while (!api.api_key.empty() && (api.api_key.back() == '\n' || api.api_key.back() == '\r')) api.api_key.pop_back();
    if (api.api_key.empty()) return report(util::Error("the API key file is empty", a.api_key_file));
  }
  auto ctx_params = a.ctx.params();
  if (!ctx_params) return report(ctx_params.error());
  if (a.max_queue == 0) return report(util::Error("--max-queue must be at least 1"));
  if (!(a.shutdown_timeout >= 0)) return report(util::Error("--shutdown-timeout must not be negative"));

  // Signals go to one thread that waits for them; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::HttpOptions http_opts;
  http_opts.host = a.host;
  http_opts.port = a.port;
  http_opts.max_body = a.max_body;
  http_opts.max_connections = a.max_connections;
  http_opts.error_body = [](int status, const std::string& message) {
    return serve::ApiError{status, message, "", status == 413 ? "invalid_request_error" : "server_error"}.body();
  };
  auto http = serve::HttpServer::listen(http_opts);
  if (!http) return report(http.error());
  serve::HttpServer& server = **http;
  fmt::print(stderr, "heft serve: listening on http://{}:{}\n", a.host, server.port());

  serve::ApiServer app(api);
  std::thread http_thread([&] { server.run([&](const serve::HttpRequest& r, serve::ResponseWriter& w) { app.handle(r, w); }); });

  std::atomic<bool> ready{false}, load_failed{false};
  std::mutex mu;
  std::condition_variable stop_cv;
  bool stop = false;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (load_failed.load()) return;  // main reports why and exits 1
    if (!ready.load()) {
      fmt::print(stderr, "heft serve: stopped while loading the model\n");
      std::_Exit(0);
    }
    std::lock_guard lock(mu);
    stop = true;
    stop_cv.notify_all();
  });

  auto loaded = session::load_model(a.model, a.ctx.quantize, a.ctx.threads);
  util::Result<void> attached = loaded ? app.attach(*loaded, *ctx_params) : util::Result<void>(std::unexpected(loaded.error()));
  if (!attached) {
    load_failed.store(true);
    server.stop();
    http_thread.join();
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // ends its sigwait (ready is false: it exits)
    signal_thread.join();
    return report(attached.error());
  }
  ready.store(true);
  fmt::print(stderr, "heft serve: model '{}' ready ({}, context {} tokens, KV cache {} tokens in {:.1f} MiB, {} sequences at once)\n",
             app.alias(), loaded->path, app.n_ctx(), app.kv_tokens(), static_cast<double>(app.kv_bytes()) / (1 << 20), a.parallel);

  std::unique_lock lock(mu);
  stop_cv.wait(lock, [&] { return stop; });
  lock.unlock();
  fmt::print(stderr, "heft serve: stopping; finishing {} running request(s)\n", server.busy());
  server.stop();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(a.shutdown_timeout);
  while (server.busy() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (server.busy() > 0) {
    fmt::print(stderr, "heft serve: --shutdown-timeout passed; cancelling {} request(s)\n", server.busy());
    app.cancel_all();
  }
  http_thread.join();
  signal_thread.join();
  return 0;
}

}  // namespace

Action add_serve(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "Serve a model over an OpenAI-compatible HTTP API");
  cmd->add_option("model", a->model, "A .gguf, Hugging Face folder or llama2.c .bin; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG] (default: the demo model)");
  cmd->add_option("-m,--model", a->model, "Same as MODEL");
  cmd->add_option("--host", a->host, "Address to listen on (the container image sets HEFT_HOST=0.0.0.0)")
      ->envname("HEFT_HOST")
      ->capture_default_str();
  cmd->add_option("--port", a->port, "Port to listen on; 0 picks a free one (printed)")
      ->envname("HEFT_PORT")
      ->capture_default_str();
  auto* key = cmd->add_option("--api-key", a->api_key, "Require 'Authorization: Bearer KEY' on every endpoint but /health");
  cmd->add_option("--api-key-file", a->api_key_file, "Read the API key from this file")->excludes(key);
  cmd->add_option("--alias", a->alias, "The model's name in the API (default: the file name without extension)");
  cmd->add_option("--max-body", a->max_body, "Largest request body in bytes (larger: 413)")->capture_default_str();
  cmd->add_option("--max-queue", a->max_queue, "Generation requests that may wait (more: 429)")->capture_default_str();
  cmd->add_option("--max-connections", a->max_connections, "Open connections at once (more: 503)")->capture_default_str();
  cmd->add_option("--shutdown-timeout", a->shutdown_timeout,
                  "Seconds running requests may take to finish after SIGTERM before they are cancelled")
      ->capture_default_str();
  cmd->add_flag("--log-prompts", a->log_prompts, "Include the prompt text in the request log lines");
  cmd->add_flag("--no-webui", a->no_webui, "Do not serve the chat page at / (it is on by default)");
  cmd->add_option("--parallel", a->parallel, "Sequences generated at once (continuous batching); more wait in the queue")
      ->capture_default_str();
  cmd->add_option("--batch-tokens", a->batch_tokens,
                  "Tokens per forward pass: every running sequence's next token, then prompt chunks (at least --parallel)")
      ->capture_default_str();
  auto* kv = cmd->add_option("--kv-size", a->kv_size,
                             "KV cache pool in tokens, shared by all sequences in blocks of 16 (default: --ctx-size x --parallel)");
  cmd->add_option("--kv-memory", a->kv_memory, "KV cache pool in bytes instead (e.g. 2G, 512MiB)")->excludes(kv);
  cmd->add_option("--decode-order", a->decode_order,
                  "How generated tokens are summed: token (as heft run does, so temperature 0 gives heft run's tokens) or "
                  "batch (as prompt batches: faster with many streams, results differ from heft run's by rounding; "
                  "in both, a request's results never depend on the others running)")
      ->capture_default_str();
  a->ctx.add_to(cmd);
  cmd->get_option("--batch-size")
      ->description("The prompt chunk of `heft run -b` whose sums the server copies, so its tokens equal heft run's with the same -b "
                    "(forward passes hold --batch-tokens rows)");
  return [a] { return serve(*a); };
}

}  // namespace heft::cli
