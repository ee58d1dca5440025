#pragma once
// Ollama's HTTP API beside the OpenAI one, so tools written for Ollama (its
// official clients, Open WebUI, editors) work unchanged: /api/chat and
// /api/generate are translated into the OpenAI request the completions path
// already serves, and its answer (a JSON body or an SSE stream) back into
// Ollama's fields and NDJSON stream. /api/tags, /api/show and /api/version
// describe the one loaded model. https://github.com/ollama/ollama/blob/main/docs/api.md
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "serve/api_error.h"
#include "serve/http_server.h"
#include "util/json.h"

namespace heft::serve {

struct OllamaRequest {
  util::Json openai;         // the body for /v1/chat/completions or /v1/completions
  bool chat = true;          // which of the two
  bool stream = true;        // Ollama streams unless "stream": false
  std::string model;         // as the client named it (echoed back)
  std::vector<std::string> ignored;  // runtime options heft does not change per request (a warning header)
};

// /api/chat (chat = true) or /api/generate; errors in Ollama's terms.
std::optional<ApiError> translate_ollama_request(const util::Json& body, bool chat, OllamaRequest& out);

// Writes the completions path's answer in Ollama's shapes to `inner`.
class OllamaWriter : public ResponseWriter {
 public:
  OllamaWriter(ResponseWriter& inner, const OllamaRequest& req);
  void send(int status, std::string_view content_type, std::string body, const Headers& extra = {}) override;
  bool start_stream(int status, std::string_view content_type, const Headers& extra = {}) override;
  bool write(std::string_view piece) override;
  void end_stream() override;
  bool client_gone() override { return inner_.client_gone(); }
  bool sent() const override { return inner_.sent(); }

 private:
  bool event(const util::Json& chunk);  // one SSE data object
  util::Json base() const;              // {model, created_at}
  util::Json final_fields(util::Json o, const std::string& done_reason, const util::Json* usage) const;

  ResponseWriter& inner_;
  const OllamaRequest& req_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> first_token_;
  std::string pending_;       // SSE bytes not yet a whole event
  std::string done_reason_;   // from the finish_reason chunk
  util::Json usage_;                   // the include_usage chunk's counts
  std::vector<std::string> tool_names_;  // streamed calls, sent whole with the last message
  std::vector<std::string> tool_args_;   // their arguments as they arrive
  bool ok_ = true;
};

// Ollama's error body: {"error": "message"}.
std::string ollama_error_body(const std::string& message);

// "2026-12-07T15:04:05.123456789Z"
std::string rfc3339_now();

}  // namespace heft::serve
