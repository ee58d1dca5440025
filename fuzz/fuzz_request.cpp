// libFuzzer: arbitrary bytes as the body of /v1/completions,
// /v1/chat/completions and /v1/embeddings: JSON parsing, the field checks, the
// sampling settings they resolve to, and the error body built for a refusal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "serve/completion_request.h"
#include "serve/embedding_request.h"
#include "serve/ollama_api.h"
#include "session/reasoning.h"
#include "session/sampling.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = heft::util::Json::parse(text, "fuzz");
  if (!json) return 0;
  volatile size_t sink = 0;
  const heft::formats::Metadata md;
  for (auto endpoint : {heft::serve::Endpoint::Completions, heft::serve::Endpoint::ChatCompletions}) {
    auto r = heft::serve::parse_completion_request(*json, endpoint);
    if (!r) {
      sink = sink + r.error().body().size();
      continue;
    }
    if (auto p = heft::session::resolve_sampling(r->sampling, md, 32000)) sink = sink + p->logit_bias.size();
    else sink = sink + p.error().message.size();
    if (r->prompt_text) {  // the reasoning split of arbitrary text, in pieces of 3 bytes
      heft::session::ReasoningSplitter split(true, r->n % 2 == 0);
      for (size_t i = 0; i < r->prompt_text->size(); i += 3)
        sink = sink + split.feed(std::string_view(*r->prompt_text).substr(i, 3)).content.size();
      sink = sink + split.finish().reasoning.size();
    }
  }
  // Ollama's /api/chat and /api/generate, and what they become: an OpenAI request to parse again.
  for (bool chat : {true, false}) {
    heft::serve::OllamaRequest o;
    if (auto err = heft::serve::translate_ollama_request(*json, chat, o)) {
      sink = sink + err->message.size();
      continue;
    }
    auto r = heft::serve::parse_completion_request(o.openai, o.chat ? heft::serve::Endpoint::ChatCompletions
                                                                    : heft::serve::Endpoint::Completions);
    sink = sink + (r ? r->n : r.error().body().size());
  }
  if (auto e = heft::serve::parse_embedding_request(*json)) {
    for (const auto& in : e->inputs) sink = sink + in.index();
    sink = sink + heft::serve::base64_floats({1.0f, -2.5f}).size();
  } else {
    sink = sink + e.error().body().size();
  }
  return 0;
}
