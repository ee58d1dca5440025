#include "serve/api_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>

#include "chat/tool_call_grammar.h"
#include "chat/tool_calls.h"
#include "grammar/json_schema.h"
#include "serve/completion_request.h"
#include "serve/embedding_request.h"
#include "serve/ollama_api.h"
#include "serve/webui.h"
#include "session/constraint.h"
#include "session/reasoning.h"
#include "session/sampling.h"
#include "util/json.h"

namespace heft::serve {

using util::Json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kJson = "application/json";

// Returns the status sent.
int send_error(ResponseWriter& w, const ApiError& e, const Headers& extra = {}) {
  w.send(e.status, kJson, e.body(), extra);
  return e.status;
}

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(prefix) + buf;
}

int64_t now_unix() { return static_cast<int64_t>(std::time(nullptr)); }

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// A list for a response header: items joined by "; ", bytes a header may not hold as %XX.
std::string header_safe_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += "; ";
    for (unsigned char c : item) {
      if (c >= 0x20 && c < 0x7F && c != '%') out += static_cast<char>(c);
      else out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// OpenAI sends earlier calls' arguments as JSON text; templates print them as
// objects (`arguments | tojson`, `arguments.items()`), as the model saw them in training.
Json arguments_as_objects(const Json& messages) {
  Json out = messages;
  for (auto& m : out.as_array()) {
    Json* calls = m.find("tool_calls");
    if (!calls || !calls->is_array()) continue;
    for (auto& c : calls->as_array()) {
      Json* f = c.is_object() ? c.find("function") : nullptr;
      Json* args = f && f->is_object() ? f->find("arguments") : nullptr;
      if (!args || !args->is_string()) continue;
      if (auto parsed = Json::parse(args->as_string()); parsed && parsed->is_object()) *args = std::move(*parsed);
    }
  }
  return out;
}

Json tool_calls_json(const std::vector<chat::ToolCall>& calls) {
  Json a = Json::array();
  for (const auto& c : calls) {
    Json f = Json::object();
    f.set("name", Json(c.name));
    f.set("arguments", Json(c.arguments));
    Json t = Json::object();
    t.set("id", Json(c.id));
    t.set("type", Json("function"));
    t.set("function", std::move(f));
    a.push_back(std::move(t));
  }
  return a;
}

// Streamed calls as OpenAI sends them: index always; id, type and name on a call's first delta.
Json tool_call_deltas(const std::vector<chat::ToolCallDelta>& deltas) {
  Json a = Json::array();
  for (const auto& d : deltas) {
    Json t = Json::object();
    t.set("index", Json(static_cast<int64_t>(d.index)));
    Json f = Json::object();
    if (!d.id.empty()) {
      t.set("id", Json(d.id));
      t.set("type", Json("function"));
    }
    if (!d.name.empty()) f.set("name", Json(d.name));
    f.set("arguments", Json(d.arguments));
    t.set("function", std::move(f));
    a.push_back(std::move(t));
  }
  return a;
}

const char* finish_reason(engine::StopReason r) {
  switch (r) {
    case engine::StopReason::EndOfGeneration:
    case engine::StopReason::StopString: return "stop";
    case engine::StopReason::MaxTokens:
    case engine::StopReason::ContextFull:
    case engine::StopReason::GrammarDeadEnd: return "length";
    case engine::StopReason::Cancelled: return "cancelled";
  }
  return "stop";
}

Json bytes_json(const std::string& s) {
  Json a = Json::array();
  for (unsigned char c : s) a.push_back(Json(int64_t{c}));
  return a;
}

// OpenAI's chat logprobs entry for one sampled token.
Json chat_logprob(const tokenizer::Tokenizer& tok, const engine::SampledToken& t) {
  auto entry = [&](int32_t id, float lp) {
    Json e = Json::object();
    const std::string piece = tok.token_to_piece(id);
    e.set("token", Json(piece));
    e.set("logprob", Json(static_cast<double>(lp)));
    e.set("bytes", bytes_json(piece));
    return e;
  };
  Json e = entry(t.id, t.logprob);
  Json top = Json::array();
  for (const auto& [id, lp] : t.top) top.push_back(entry(id, lp));
  e.set("top_logprobs", std::move(top));
  return e;
}

// The completions endpoint's logprobs object (tokens, token_logprobs, top_logprobs, text_offset).
struct LegacyLogprobs {
  Json tokens = Json::array(), token_logprobs = Json::array(), top = Json::array(), offsets = Json::array();
  int64_t offset = 0;
  void add(const tokenizer::Tokenizer& tok, const engine::SampledToken& t) {
    const std::string piece = tok.token_to_piece(t.id);
    tokens.push_back(Json(piece));
    token_logprobs.push_back(Json(static_cast<double>(t.logprob)));
    Json m = Json::object();
    for (const auto& [id, lp] : t.top) m.set(tok.token_to_piece(id), Json(static_cast<double>(lp)));
    top.push_back(std::move(m));
    offsets.push_back(Json(offset));
    offset += static_cast<int64_t>(piece.size());
  }
  Json json() const {
    Json j = Json::object();
    j.set("tokens", tokens);
    j.set("token_logprobs", token_logprobs);
    j.set("top_logprobs", top);
    j.set("text_offset", offsets);
    return j;
  }
};

Json usage_json(int64_t prompt, int64_t completion, int64_t cached) {
  Json u = Json::object();
  u.set("prompt_tokens", Json(prompt));
  u.set("completion_tokens", Json(completion));
  u.set("total_tokens", Json(prompt + completion));
  Json details = Json::object();
  details.set("cached_tokens", Json(cached));
  u.set("prompt_tokens_details", std::move(details));
  return u;
}

std::string sse(const Json& j) { return "data: " + j.dump() + "\n\n"; }

// 429: the queue of waiting requests is full.
ApiError queue_full(size_t max_waiting) {
  return {429, "the server is busy: " + std::to_string(max_waiting) + " requests are waiting already; try again shortly",
          "", "rate_limit_exceeded", "queue_full"};
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer is looked at, whatever the contents.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

ApiServer::ApiServer(ApiOptions options) : opts_(std::move(options)), alias_(opts_.alias) {}

ApiServer::~ApiServer() {
  cancel_all();
  scheduler_.reset();  // joins the worker before the context goes
}

util::Result<void> ApiServer::attach(session::LoadedModel& model, const engine::ContextParams& params) {
  model_ = &model;
  if (alias_.empty()) alias_ = std::filesystem::path(model.path).stem().string();
  if (opts_.parallel < 1) return util::fail("--parallel must be at least 1");
  if (opts_.batch_tokens < opts_.parallel)
    return util::fail("--batch-tokens (" + std::to_string(opts_.batch_tokens) + ") must be at least --parallel (" +
                      std::to_string(opts_.parallel) + "): every running sequence takes a row of each pass");
  engine::ContextParams p = params;
  const auto& hp = model.model->hp;
  const int64_t n_ctx = engine::Context::default_n_ctx(*model.model, params.n_ctx), bs = engine::Context::block_size();
  const size_t row_bytes = engine::KvCache::row_bytes(hp.n_layer, int64_t{hp.n_head_kv} * hp.head_dim_k,
                                                      int64_t{hp.n_head_kv} * hp.head_dim_v, params.cache_type);
  int64_t rows = opts_.kv_tokens;
  if (rows == 0 && opts_.kv_memory > 0) rows = static_cast<int64_t>(opts_.kv_memory / row_bytes) / bs * bs;
  if (rows == 0 && opts_.kv_memory == 0) rows = n_ctx * opts_.parallel;
  if (rows < bs)
    return util::fail("the KV cache must hold at least one block of " + std::to_string(bs) + " tokens (" +
                      std::to_string(row_bytes * static_cast<size_t>(bs)) + " bytes for this model)");
  p.kv_rows = (rows + bs - 1) / bs * bs;
  p.max_rows = opts_.batch_tokens;
  ctx_ = HEFT_TRY(engine::Context::create(*model.model, p));
  const auto templates = session::load_model_templates(model);
  auto chat = session::ChatPrompt::create(templates);
  if (chat) {
    chat_ = std::move(*chat);
    reasoning_ = session::ReasoningSplitter::template_uses_markers(chat_->source());
    if (templates.find("tool_use"))
      if (auto t = session::ChatPrompt::create(templates, "tool_use")) tool_chat_ = std::move(*t);
    tool_format_ = chat::tool_format((tool_chat_ ? tool_chat_ : chat_)->source());
  } else {
    chat_error_ = chat.error().message;
  }
  metrics_ = std::make_unique<Metrics>(alias_);
  scheduler_ = std::make_unique<engine::Scheduler>(
      *ctx_, *model.tokenizer, engine::SchedulerParams{opts_.max_waiting, opts_.parallel, opts_.batch_tokens, opts_.batch_order_only});
  ready_.store(true);
  return {};
}

std::optional<ApiError> ApiServer::unknown_model(const std::string& model) const {
  if (model.empty() || model == alias_) return std::nullopt;
  return ApiError{404, "the model '" + model + "' does not exist (this server has '" + alias_ + "')", "model",
                  "invalid_request_error", "model_not_found"};
}

void ApiServer::cancel_jobs(std::vector<std::shared_ptr<engine::Job>>& jobs) {
  for (auto& j : jobs) {
    j->cancel();
    track(j, false);
  }
}

bool ApiServer::enqueue(engine::JobSpec spec, std::vector<std::shared_ptr<engine::Job>>& jobs) {
  auto job = scheduler_->submit(std::move(spec));
  if (!job) return false;
  track(job, true);
  jobs.push_back(std::move(job));
  return true;
}

std::shared_ptr<const grammar::VocabIndex> ApiServer::vocab_index() {
  std::lock_guard lock(vocab_mu_);
  if (!vocab_index_) vocab_index_ = session::build_vocab_index(*model_->tokenizer);
  return vocab_index_;
}

void ApiServer::cancel_all() {
  std::lock_guard lock(jobs_mu_);
  for (const auto& j : jobs_) j->cancel();
}

void ApiServer::track(const std::shared_ptr<engine::Job>& job, bool add) {
  std::lock_guard lock(jobs_mu_);
  if (add) jobs_.insert(job);
  else jobs_.erase(job);
}

bool ApiServer::authorized(const HttpRequest& req) const {
  if (opts_.api_key.empty()) return true;
  const std::string h = req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!h.starts_with(kBearer)) return false;
  return constant_time_equal(std::string_view(h).substr(kBearer.size()), opts_.api_key);
}

void ApiServer::handle(const HttpRequest& req, ResponseWriter& w) {
  const auto t0 = Clock::now();
  Outcome o;
  o.endpoint = req.path;
  route(req, w, o);
  const double total_ms = ms_between(t0, Clock::now());
  // Paths outside the API are counted together, so a scanner cannot grow the label set.
  static const std::set<std::string> kKnown = {"/health", "/metrics", "/v1/models", "/v1/completions",
                                               "/v1/chat/completions", "/v1/embeddings", "/tokenize", "/detokenize",
                                               "/api/chat", "/api/generate", "/api/tags", "/api/show", "/api/version", "/"};
  if (metrics_) metrics_->count_request(kKnown.contains(req.path) ? req.path : "other", o.status);
  Json line = Json::object();
  line.set("time", Json(now_unix()));
  line.set("method", Json(req.method));
  line.set("path", Json(req.path));
  line.set("status", Json(int64_t{o.status}));
  if (o.prompt_tokens >= 0) line.set("prompt_tokens", Json(o.prompt_tokens));
  if (o.completion_tokens >= 0) line.set("completion_tokens", Json(o.completion_tokens));
  if (o.queue_ms >= 0) line.set("queue_ms", Json(o.queue_ms));
  if (o.ttft_ms >= 0) line.set("ttft_ms", Json(o.ttft_ms));
  line.set("total_ms", Json(total_ms));
  if (!o.user.empty()) line.set("user", Json(o.user));
  if (opts_.log_prompts && !o.prompt.empty()) line.set("prompt", Json(o.prompt));
  const std::string text = line.dump() + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void ApiServer::route(const HttpRequest& req, ResponseWriter& w, Outcome& o) {
  const bool ollama_api = req.path.starts_with("/api/");
  auto fail = [&](const ApiError& e, const Headers& extra = {}) {
    o.status = e.status;
    if (ollama_api) return w.send(e.status, kJson, ollama_error_body(e.message), extra);  // Ollama's {"error": "..."}
    send_error(w, e, extra);
  };
  struct Route {
    const char* path;
    const char* method;
  };
  static constexpr Route kRoutes[] = {{"/health", "GET"},           {"/metrics", "GET"},
                                      {"/v1/models", "GET"},        {"/v1/completions", "POST"},
                                      {"/v1/chat/completions", "POST"}, {"/tokenize", "POST"},
                                      {"/detokenize", "POST"},      {"/v1/embeddings", "POST"},
                                      {"/api/chat", "POST"},        {"/api/generate", "POST"},
                                      {"/api/tags", "GET"},         {"/api/show", "POST"},
                                      {"/api/version", "GET"},      {"/", "GET"}};
  const Route* route = nullptr;
  for (const Route& r : kRoutes)
    if (req.path == r.path) route = &r;
  if (!route) return fail({404, "unknown path " + req.path, "", "invalid_request_error", "not_found"});
  if (req.method != route->method)
    return fail({405, req.path + " takes " + route->method + ", not " + req.method, "", "invalid_request_error"},
                {{"Allow", route->method}});
  if (req.path == "/") {
    // The page is static; the API calls it makes carry the key. Model output becomes text
    // nodes only, and the policy forbids anything but this page's own script and the API.
    if (!opts_.webui) return fail({404, "the chat page is off (--no-webui)", "", "invalid_request_error", "not_found"});
    o.status = 200;
    return w.send(200, "text/html; charset=utf-8", std::string(webui_page()),
                  {{"Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
                   {"X-Content-Type-Options", "nosniff"},
                   {"Cache-Control", "no-cache"}});
  }
  if (req.path == "/health") {
    const bool ready = ready_.load();
    o.status = ready ? 200 : 503;
    return w.send(o.status, kJson, ready ? R"({"status":"ok"})" : R"({"status":"loading model"})");
  }
  if (!authorized(req))
    return fail({401, "a valid API key is needed (Authorization: Bearer KEY)", "", "authentication_error",
                 "invalid_api_key"},
                {{"WWW-Authenticate", "Bearer"}});
  if (!ready_.load()) return fail({503, "the model is still loading", "", "server_error"}, {{"Retry-After", "1"}});
  o.status = 200;
  if (req.path == "/metrics") {
    Metrics::Gauges g;
    g.running = static_cast<int64_t>(scheduler_->running());
    g.waiting = static_cast<int64_t>(scheduler_->waiting());
    g.kv_blocks_used = scheduler_->kv_blocks_used();
    g.kv_blocks_total = scheduler_->kv_blocks_total();
    g.block_size = scheduler_->block_size();
    g.prefix_queries = scheduler_->prefix_queries();
    g.prefix_hits = scheduler_->prefix_hits();
    return w.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics_->render(g));
  }
  if (req.path == "/v1/models") return models(w);
  if (req.path == "/tokenize") {
    o.status = tokenize(req, w);
    return;
  }
  if (req.path == "/detokenize") {
    o.status = detokenize(req, w);
    return;
  }
  if (req.path == "/v1/embeddings") return embeddings(req, w, o);
  if (ollama_api) return ollama(req, w, o);
  completions(req, w, o, req.path == "/v1/chat/completions");
}

// Embeddings: each input's final hidden states pooled by the model's pooling
// type (GGUF {arch}.pooling_type; decoder-only models without one: the last
// token, as vLLM does for them), L2-normalized.
void ApiServer::embeddings(const HttpRequest& req, ResponseWriter& w, Outcome& o) {
  auto fail = [&](const ApiError& e, const Headers& extra = {}) {
    o.status = e.status;
    send_error(w, e, extra);
  };
  auto body = Json::parse(req.body, "request body");
  if (!body) return fail({400, "the request body is not valid JSON: " + body.error().to_string()});
  auto parsed = parse_embedding_request(*body);
  if (!parsed) return fail(parsed.error());
  EmbeddingRequest& r = *parsed;
  o.user = r.user;
  if (auto e = unknown_model(r.model)) return fail(*e);
  const auto& md = model_->model->file.metadata;
  const int64_t pooling = md.get_int(std::string(model_->model->spec->name) + ".pooling_type").value_or(0);
  if (pooling < 0 || pooling > 3)
    return fail({400, "this model's pooling type (" + std::to_string(pooling) + ") is not one heft computes (mean, cls, last)",
                 "model"});
  const auto pool = pooling == 0 ? engine::Pooling::Last : static_cast<engine::Pooling>(pooling);
  const auto& tok = *model_->tokenizer;
  std::vector<std::shared_ptr<engine::Job>> jobs;
  auto release = [&] { cancel_jobs(jobs); };
  int64_t prompt_tokens = 0;
  for (const auto& in : r.inputs) {
    engine::JobSpec spec;
    if (const auto* text = std::get_if<std::string>(&in)) {
      spec.prompt = tok.encode(*text, {.add_special = true, .parse_special = false});
    } else {
      for (int64_t id : std::get<std::vector<int64_t>>(in)) {
        if (id < 0 || id >= static_cast<int64_t>(tok.n_vocab())) {
          release();
          return fail(bad_field("input", "token id " + std::to_string(id) + " is outside the vocabulary"));
        }
        spec.prompt.push_back(static_cast<int32_t>(id));
      }
    }
    const int64_t n = static_cast<int64_t>(spec.prompt.size());
    if (n == 0 || n > scheduler_->max_sequence_tokens()) {
      release();
      return fail(bad_field("input", n == 0 ? "an input is empty and the model adds no BOS token"
                                            : "an input has " + std::to_string(n) + " tokens; at most " +
                                                  std::to_string(scheduler_->max_sequence_tokens()) + " fit"));
    }
    prompt_tokens += n;
    spec.embed = pool;
    spec.generate.max_tokens = 0;
    if (!enqueue(std::move(spec), jobs)) {
      release();
      return fail(queue_full(opts_.max_waiting), {{"Retry-After", "1"}});
    }
  }
  o.prompt_tokens = prompt_tokens;
  Json data = Json::array();
  for (size_t i = 0; i < jobs.size(); ++i) {
    engine::Job& job = *jobs[i];
    while (!job.take(std::chrono::milliseconds(100)).done) {
      if (w.client_gone()) {
        release();
        o.status = 499;
        return;
      }
    }
    if (!job.result()) {
      release();
      return fail({500, job.result().error().message, "", "server_error"});
    }
    Json e = Json::object();
    e.set("object", Json("embedding"));
    e.set("index", Json(static_cast<int64_t>(i)));
    if (r.base64) {
      e.set("embedding", Json(base64_floats(job.embedding())));
    } else {
      Json v = Json::array();
      for (float x : job.embedding()) v.push_back(Json(static_cast<double>(x)));
      e.set("embedding", std::move(v));
    }
    data.push_back(std::move(e));
  }
  for (auto& j : jobs) track(j, false);
  if (metrics_) metrics_->add_tokens(prompt_tokens, 0);
  Json doc = Json::object();
  doc.set("object", Json("list"));
  doc.set("data", std::move(data));
  doc.set("model", Json(alias_));
  Json usage = Json::object();
  usage.set("prompt_tokens", Json(prompt_tokens));
  usage.set("total_tokens", Json(prompt_tokens));
  doc.set("usage", std::move(usage));
  o.status = 200;
  w.send(200, kJson, doc.dump());
}

void ApiServer::models(ResponseWriter& w) {
  Json m = Json::object();
  m.set("id", Json(alias_));
  m.set("object", Json("model"));
  m.set("created", Json(now_unix()));
  m.set("owned_by", Json("heft"));
  Json meta = Json::object();
  meta.set("n_ctx", Json(ctx_->n_ctx()));
  meta.set("n_vocab", Json(ctx_->n_vocab()));
  m.set("meta", std::move(meta));
  Json list = Json::object();
  list.set("object", Json("list"));
  Json data = Json::array();
  data.push_back(std::move(m));
  list.set("data", std::move(data));
  w.send(200, kJson, list.dump());
}

int ApiServer::tokenize(const HttpRequest& req, ResponseWriter& w) {
  auto fail = [&](const ApiError& e) { return send_error(w, e); };
  auto body = Json::parse(req.body, "request body");
  if (!body || !body->is_object()) return fail({400, "the request body must be a JSON object"});
  const Json* content = body->find("content");
  if (!content || !content->is_string()) return fail(bad_field("content", "'content' must be a string"));
  bool add_special = false, parse_special = false, with_pieces = false;
  for (const auto& [k, v] : body->as_object()) {
    if (k == "content") continue;
    if (!v.is_bool() || (k != "add_special" && k != "parse_special" && k != "with_pieces"))
      return fail(bad_field(k, "unknown field or not a boolean: '" + k + "'"));
    (k == "add_special" ? add_special : k == "parse_special" ? parse_special : with_pieces) = v.as_bool();
  }
  const auto& tok = *model_->tokenizer;
  const auto ids = tok.encode(content->as_string(), {.add_special = add_special, .parse_special = parse_special});
  Json tokens = Json::array();
  for (int32_t id : ids) {
    if (!with_pieces) {
      tokens.push_back(Json(int64_t{id}));
      continue;
    }
    Json t = Json::object();
    t.set("id", Json(int64_t{id}));
    t.set("piece", Json(tok.token_to_piece(id)));
    tokens.push_back(std::move(t));
  }
  Json out = Json::object();
  out.set("tokens", std::move(tokens));
  w.send(200, kJson, out.dump());
  return 200;
}

int ApiServer::detokenize(const HttpRequest& req, ResponseWriter& w) {
  auto fail = [&](const ApiError& e) { return send_error(w, e); };
  auto body = Json::parse(req.body, "request body");
  if (!body || !body->is_object()) return fail({400, "the request body must be a JSON object"});
  const Json* tokens = body->find("tokens");
  if (!tokens || !tokens->is_array()) return fail(bad_field("tokens", "'tokens' must be an array of token ids"));
  const auto& tok = *model_->tokenizer;
  std::vector<int32_t> ids;
  for (const Json& t : tokens->as_array()) {
    if (!t.is_integer() || t.as_int() < 0 || t.as_int() >= static_cast<int64_t>(tok.n_vocab()))
      return fail(bad_field("tokens", "'tokens' holds something that is not a token id of this model"));
    ids.push_back(static_cast<int32_t>(t.as_int()));
  }
  Json out = Json::object();
  out.set("content", Json(tok.decode(ids)));
  w.send(200, kJson, out.dump());
  return 200;
}

void ApiServer::completions(const HttpRequest& req, ResponseWriter& w, Outcome& o, bool chat) {
  auto fail = [&](const ApiError& e, const Headers& extra = {}) {
    o.status = e.status;
    send_error(w, e, extra);
  };
  auto body = Json::parse(req.body, "request body");
  if (!body) return fail({400, "the request body is not valid JSON: " + body.error().to_string()});
  auto parsed = parse_completion_request(*body, chat ? Endpoint::ChatCompletions : Endpoint::Completions);
  if (!parsed) return fail(parsed.error());
  CompletionRequest& r = *parsed;
  o.user = r.user;
  if (auto e = unknown_model(r.model)) return fail(*e);
  const auto& tok = *model_->tokenizer;

  // The prompt's tokens.
  std::vector<int32_t> prompt;
  std::string rendered;
  const bool tools_on = chat && r.tools.is_array() && !r.tools.as_array().empty();
  const bool call_required = tools_on && (r.tool_choice == CompletionRequest::ToolChoice::Required ||
                                          r.tool_choice == CompletionRequest::ToolChoice::Named);
  // Replies are read for calls when tools are offered and may be called in a syntax heft knows.
  const bool parse_calls = tools_on && r.tool_choice != CompletionRequest::ToolChoice::None && tool_format_ != chat::ToolFormat::None;
  if (chat) {
    if (!chat_) return fail(bad_field("messages", "this model has no chat template (" + chat_error_ + "); use /v1/completions"));
    const session::ChatPrompt& tmpl = tools_on && tool_chat_ ? *tool_chat_ : *chat_;
    auto text = tmpl.render(arguments_as_objects(r.messages), tools_on ? r.tools : Json(), true, r.chat_template_kwargs);
    if (!text) return fail(bad_field("messages", "the model's chat template failed: " + text.error().message));
    rendered = std::move(*text);
    prompt = chat_->encode(tok, rendered);
  } else if (r.prompt_text) {
    rendered = *r.prompt_text;
    prompt = tok.encode(rendered, {.add_special = true, .parse_special = false});
  } else {
    for (int32_t id : r.prompt_ids)
      if (id >= static_cast<int32_t>(tok.n_vocab()))
        return fail(bad_field("prompt", "token id " + std::to_string(id) + " is outside the vocabulary"));
    prompt = r.prompt_ids;
  }
  if (opts_.log_prompts) o.prompt = rendered;
  o.prompt_tokens = static_cast<int64_t>(prompt.size());
  if (prompt.empty()) return fail(bad_field(chat ? "messages" : "prompt", "the prompt is empty and the model adds no BOS token"));

  // A sequence may use its whole context, unless the cache pool is smaller than that.
  const int64_t n_ctx = scheduler_->max_sequence_tokens(), n_prompt = static_cast<int64_t>(prompt.size());
  const std::string limit = n_ctx < ctx_->n_ctx() ? "the KV cache of " + std::to_string(n_ctx) + " tokens (--kv-size)"
                                                  : "the context of " + std::to_string(n_ctx) + " tokens (--ctx-size)";
  const char* max_field = chat ? "max_completion_tokens" : "max_tokens";
  if (n_prompt >= n_ctx)
    return fail(bad_field(chat ? "messages" : "prompt", "the prompt has " + std::to_string(n_prompt) + " tokens; " +
                                                            limit + " holds fewer, with at least one left to generate"));
  const int64_t max_tokens = r.max_tokens.value_or(n_ctx - n_prompt);
  if (n_prompt + max_tokens > n_ctx)
    return fail(bad_field(max_field, "the prompt has " + std::to_string(n_prompt) + " tokens and " + max_field +
                                         " asks for " + std::to_string(max_tokens) + ": " +
                                         std::to_string(n_prompt + max_tokens) + " is more than " + limit));
  auto sampling = session::resolve_sampling(r.sampling, model_->model->file.metadata, ctx_->n_vocab());
  if (!sampling) return fail(bad_field(sampling.error().field, sampling.error().message));

  // The grammar the output must follow, compiled once for every choice.
  std::shared_ptr<const grammar::Grammar> out_grammar;
  Headers extra;
  if (r.output.kind != OutputFormat::Kind::Text) {
    std::string gbnf;
    const std::string where = r.output.field == "response_format" ? "response_format.json_schema.schema" : r.output.field;
    if (r.output.kind == OutputFormat::Kind::JsonObject) {
      gbnf = grammar::json_object_gbnf();
    } else if (r.output.kind == OutputFormat::Kind::JsonSchema) {
      auto g = grammar::schema_to_gbnf(r.output.schema, {.strict = r.output.strict});
      if (!g)
        return fail(bad_field(where, "the JSON Schema cannot be enforced: " + g.error().message +
                                         (r.output.strict ? " (with \"strict\": false such keywords are skipped and reported)" : "")));
      gbnf = std::move(g->gbnf);
      if (!g->unsupported.empty()) extra.emplace_back("X-Heft-Unenforced-Keywords", header_safe_list(g->unsupported));
    } else {
      gbnf = r.output.gbnf;
    }
    auto g = session::parse_grammar(gbnf, &tok);
    if (!g) return fail(bad_field(where, "the grammar is not valid GBNF: " + g.error().message));
    out_grammar = std::move(*g);
  }
  if (call_required) {
    // The reply is exactly the family's call text, its arguments held to each tool's schema.
    if (tool_format_ == chat::ToolFormat::None)
      return fail(bad_field("tool_choice", "this model's chat template shows no tool-call syntax heft knows, so a call "
                                           "cannot be required; use \"auto\""));
    std::optional<std::string> only;
    if (r.tool_choice == CompletionRequest::ToolChoice::Named) only = r.tool_choice_name;
    auto gbnf = chat::tool_call_gbnf(tool_format_, r.tools, only, r.parallel_tool_calls);
    if (!gbnf) return fail(bad_field("tools", "the tool calls cannot be enforced: " + gbnf.error().message));
    auto g = session::parse_grammar(*gbnf, &tok);
    if (!g) return fail({500, "the tool-call grammar does not parse: " + g.error().message, "", "server_error"});
    out_grammar = std::move(*g);
  }

  // One job per choice; a seed given makes choice i use seed + i.
  std::vector<std::shared_ptr<engine::Job>> jobs;
  auto release = [&] { cancel_jobs(jobs); };
  for (int64_t i = 0; i < r.n; ++i) {
    engine::JobSpec spec;
    spec.prompt = prompt;
    spec.sampling = *sampling;
    if (r.sampling.seed) spec.sampling.seed = *r.sampling.seed + static_cast<uint64_t>(i);
    else if (i > 0) spec.sampling.seed = std::random_device{}();
    spec.generate.max_tokens = max_tokens;
    spec.generate.stop = r.stop;
    spec.top_logprobs = r.top_logprobs;
    if (out_grammar) spec.generate.grammar = std::make_shared<grammar::TokenConstraint>(out_grammar, vocab_index());
    if (!enqueue(std::move(spec), jobs)) {
      release();
      return fail(queue_full(opts_.max_waiting), {{"Retry-After", "1"}});
    }
  }

  const std::string id = random_id(chat ? "chatcmpl-" : "cmpl-");
  const int64_t created = now_unix();
  const char* object = chat ? "chat.completion" : "text_completion";
  const bool starts_inside = reasoning_ && session::ReasoningSplitter::prompt_opens_block(rendered);

  auto chunk = [&](size_t index, Json delta_or_text, Json logprobs, Json finish) {
    Json c = Json::object();
    c.set("id", Json(id));
    c.set("object", Json(chat ? "chat.completion.chunk" : "text_completion"));
    c.set("created", Json(created));
    c.set("model", Json(alias_));
    Json choice = Json::object();
    choice.set("index", Json(static_cast<int64_t>(index)));
    if (chat) choice.set("delta", std::move(delta_or_text));
    else choice.set("text", std::move(delta_or_text));
    choice.set("logprobs", std::move(logprobs));
    choice.set("finish_reason", std::move(finish));
    Json choices = Json::array();
    choices.push_back(std::move(choice));
    c.set("choices", std::move(choices));
    return c;
  };

  bool client_gone = false;
  if (r.stream && !w.start_stream(200, "text/event-stream", extra)) client_gone = true;
  if (r.stream && chat && !client_gone) {  // OpenAI opens each choice with its role
    for (size_t i = 0; i < jobs.size() && !client_gone; ++i) {
      Json delta = Json::object();
      delta.set("role", Json("assistant"));
      delta.set("content", Json(""));
      client_gone = !w.write(sse(chunk(i, std::move(delta), Json(), Json())));
    }
  }

  Json choices = Json::array();
  std::vector<std::string> warnings;  // sent in an X-Heft-Warning header (non-streamed replies)
  int64_t completion_tokens = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    engine::Job& job = *jobs[i];
    // A grammar shapes the whole reply from its first token: there is no reasoning block to split off,
    // even where the template's prompt opens one.
    session::ReasoningSplitter splitter(chat && reasoning_ && !out_grammar, starts_inside && !out_grammar);
    std::string content, reasoning;
    std::optional<chat::ToolCallStream> calls;  // streamed replies read for tool calls
    if (parse_calls && r.stream) calls.emplace(tool_format_, r.tools);
    auto send_delta = [&](chat::ReplyDelta reply, const std::string& reasoning_part, Json lp) {
      if (reply.empty() && reasoning_part.empty() && lp.is_null()) return;
      // OpenAI opens a call with its id, type and name and arguments "" (clients append every
      // delta's arguments, the first's included); the arguments that came with it follow in
      // the next chunk, never twice under one index in a chunk.
      chat::ReplyDelta rest;
      const bool split = std::any_of(reply.tool_calls.begin(), reply.tool_calls.end(),
                                     [](const chat::ToolCallDelta& d) { return !d.name.empty() && !d.arguments.empty(); });
      if (split) {
        std::vector<chat::ToolCallDelta> head;
        for (auto& d : reply.tool_calls) {
          if (d.name.empty()) {
            rest.tool_calls.push_back(d);
            continue;
          }
          if (!d.arguments.empty()) rest.tool_calls.push_back({d.index, "", "", d.arguments});
          d.arguments.clear();
          head.push_back(d);
        }
        reply.tool_calls = std::move(head);
      }
      Json delta;
      if (chat) {
        delta = Json::object();
        if (!reasoning_part.empty()) delta.set("reasoning_content", Json(reasoning_part));
        if (!reply.content.empty() || (reasoning_part.empty() && reply.tool_calls.empty())) delta.set("content", Json(reply.content));
        if (!reply.tool_calls.empty()) delta.set("tool_calls", tool_call_deltas(reply.tool_calls));
      } else {
        delta = Json(reply.content);
      }
      client_gone = !w.write(sse(chunk(i, std::move(delta), std::move(lp), Json())));
      if (!rest.tool_calls.empty() && !client_gone) {
        Json more = Json::object();
        more.set("tool_calls", tool_call_deltas(rest.tool_calls));
        client_gone = !w.write(sse(chunk(i, std::move(more), Json(), Json())));
      }
    };
    Json chat_logprobs = Json::array();
    LegacyLogprobs legacy;
    auto emit = [&](const session::ReasoningSplitter::Parts& parts, const std::vector<engine::SampledToken>& tokens) {
      content += parts.content;
      reasoning += parts.reasoning;
      Json lp;
      if (r.top_logprobs >= 0 && !tokens.empty()) {
        if (chat) {
          Json list = Json::array();
          for (const auto& t : tokens) {
            Json entry = chat_logprob(tok, t);  // built once: the chunk's list and the whole reply's
            chat_logprobs.push_back(entry);
            list.push_back(std::move(entry));
          }
          Json obj = Json::object();
          obj.set("content", std::move(list));
          lp = std::move(obj);
        } else {
          LegacyLogprobs part;
          for (const auto& t : tokens) {
            part.add(tok, t);
            legacy.add(tok, t);
          }
          lp = part.json();
        }
      }
      if (!r.stream || client_gone) return;
      chat::ReplyDelta reply{parts.content, {}};
      if (calls) reply = calls->feed(parts.content);
      send_delta(reply, parts.reasoning, std::move(lp));
    };
    while (true) {
      engine::Job::Update u = job.take(std::chrono::milliseconds(50));
      for (auto& piece : u.pieces) {  // a chunk per token, as OpenAI streams
        std::vector<engine::SampledToken> tokens;
        if (piece.token) tokens.push_back(std::move(*piece.token));
        emit(splitter.feed(piece.text), tokens);
      }
      if (u.done) break;
      if (!client_gone && w.client_gone()) client_gone = true;
      if (client_gone) job.cancel();
    }
    emit(splitter.finish(), {});
    if (calls && !client_gone) {
      send_delta(calls->finish(), {}, Json());
      if (calls->failed()) client_gone = !w.write(": warning: " + one_line(calls->failure()) + "\n\n");
    }
    if (client_gone) {
      for (auto& j : jobs) j->cancel();
      continue;
    }
    const auto& result = job.result();
    if (!result) {
      release();
      if (r.stream) {
        Json err = Json::parse(ApiError{500, result.error().message, "", "server_error"}.body()).value_or(Json());
        w.write(sse(err));
        w.end_stream();
        o.status = 500;
        return;
      }
      return fail({500, "generation failed: " + result.error().message, "", "server_error"});
    }
    completion_tokens += static_cast<int64_t>(result->tokens.size());
    if (metrics_) {
      const auto first = job.first_token();
      metrics_->observe_queue(std::chrono::duration<double>(job.started() - job.enqueued()).count());
      if (first) metrics_->observe_ttft(std::chrono::duration<double>(*first - job.enqueued()).count());
      for (double gap : job.inter_token_seconds()) metrics_->observe_inter_token(gap);
      metrics_->observe_request(std::chrono::duration<double>(Clock::now() - job.enqueued()).count());
      if (i == 0) {
        o.queue_ms = ms_between(job.enqueued(), job.started());
        if (first) o.ttft_ms = ms_between(job.enqueued(), *first);
      }
    }
    const char* finish = finish_reason(result->stop_reason);
    const bool stopped = std::string_view(finish) == "stop";
    if (r.stream) {
      if (calls && calls->call_count() > 0 && !calls->failed() && stopped) finish = "tool_calls";
      client_gone = !w.write(sse(chunk(i, chat ? Json::object() : Json(""), Json(), Json(finish))));
      continue;
    }
    Json choice = Json::object();
    choice.set("index", Json(static_cast<int64_t>(i)));
    if (chat) {
      Json msg = Json::object();
      msg.set("role", Json("assistant"));
      msg.set("content", Json(content));
      if (parse_calls) {
        auto parsed = chat::parse_tool_calls(tool_format_, content, r.tools);
        if (parsed.failed) {
          warnings.push_back("choice " + std::to_string(i) + ": the reply's tool call did not parse (" + parsed.failure +
                             "); it is returned as content");
        } else if (!parsed.calls.empty()) {
          msg.set("content", parsed.content.empty() ? Json() : Json(parsed.content));
          msg.set("tool_calls", tool_calls_json(parsed.calls));
          if (stopped) finish = "tool_calls";
        }
      }
      if (reasoning_ && !reasoning.empty()) msg.set("reasoning_content", Json(reasoning));
      choice.set("message", std::move(msg));
      if (r.top_logprobs >= 0) {
        Json lp = Json::object();
        lp.set("content", std::move(chat_logprobs));
        choice.set("logprobs", std::move(lp));
      } else {
        choice.set("logprobs", Json());
      }
    } else {
      choice.set("text", Json(content));
      choice.set("logprobs", r.top_logprobs >= 0 ? legacy.json() : Json());
    }
    choice.set("finish_reason", Json(finish));
    choices.push_back(std::move(choice));
  }
  for (auto& j : jobs) track(j, false);
  o.completion_tokens = completion_tokens;
  if (metrics_ && !client_gone) metrics_->add_tokens(n_prompt, completion_tokens);
  if (client_gone) {
    o.status = 499;  // nginx's "client closed request": nothing was sent, or the stream broke off
    if (!w.sent()) w.send(499, kJson, "");
    return;
  }
  if (r.stream) {
    if (r.include_usage) {
      Json c = Json::object();
      c.set("id", Json(id));
      c.set("object", Json(chat ? "chat.completion.chunk" : "text_completion"));
      c.set("created", Json(created));
      c.set("model", Json(alias_));
      c.set("choices", Json::array());
      c.set("usage", usage_json(n_prompt, completion_tokens, jobs.front()->cached_tokens()));
      w.write(sse(c));
    }
    w.write("data: [DONE]\n\n");
    w.end_stream();
    o.status = 200;
    return;
  }
  Json doc = Json::object();
  doc.set("id", Json(id));
  doc.set("object", Json(object));
  doc.set("created", Json(created));
  doc.set("model", Json(alias_));
  doc.set("choices", std::move(choices));
  doc.set("usage", usage_json(n_prompt, completion_tokens, jobs.front()->cached_tokens()));
  o.status = 200;
  if (!warnings.empty()) extra.emplace_back("X-Heft-Warning", header_safe_list(warnings));
  w.send(200, kJson, doc.dump(), extra);
}

}  // namespace heft::serve
