#pragma once
// The body of POST /v1/embeddings as the OpenAI API defines it: `input` as a
// string, an array of strings, an array of token ids or an array of such
// arrays; `encoding_format` float or base64; `model`, `user`. `dimensions`
// (shortening) is refused: heft's vectors are the model's hidden size.
#include <cstdint>
#include <expected>
#include <string>
#include <variant>
#include <vector>

#include "serve/api_error.h"
#include "util/json.h"

namespace heft::serve {

struct EmbeddingRequest {
  std::string model;  // may be empty
  // One entry per input: text to tokenize, or token ids as given.
  std::vector<std::variant<std::string, std::vector<int64_t>>> inputs;
  bool base64 = false;
  std::string user;
};

std::expected<EmbeddingRequest, ApiError> parse_embedding_request(const util::Json& body);

// The little-endian bytes of floats in standard base64 (OpenAI's encoding_format "base64").
std::string base64_floats(const std::vector<float>& v);

}  // namespace heft::serve
