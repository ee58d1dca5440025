#include "serve/embedding_request.h"

#include <bit>
#include <cstring>

namespace heft::serve {

using util::Json;

namespace {

constexpr size_t kMaxInputs = 2048;  // OpenAI's limit on inputs per request

bool token_array(const Json& j) {
  if (!j.is_array() || j.as_array().empty()) return false;
  for (const Json& t : j.as_array())
    if (!t.is_integer()) return false;
  return true;
}

std::vector<int64_t> ids_of(const Json& j) {
  std::vector<int64_t> out;
  for (const Json& t : j.as_array()) out.push_back(t.as_int());
  return out;
}

}  // namespace

std::expected<EmbeddingRequest, ApiError> parse_embedding_request(const Json& body) {
  if (!body.is_object()) return std::unexpected(ApiError{400, "the request body must be a JSON object"});
  EmbeddingRequest r;
  bool has_input = false;
  for (const auto& [k, v] : body.as_object()) {
    if (k == "input") {
      has_input = true;
      const char* shape = "'input' must be a string, an array of strings, an array of token ids or an array of such arrays";
      if (v.is_string()) {
        r.inputs.emplace_back(v.as_string());
      } else if (token_array(v)) {
        r.inputs.emplace_back(ids_of(v));
      } else if (v.is_array() && !v.as_array().empty()) {
        for (const Json& e : v.as_array()) {
          if (e.is_string()) r.inputs.emplace_back(e.as_string());
          else if (token_array(e)) r.inputs.emplace_back(ids_of(e));
          else return std::unexpected(bad_field("input", shape));
        }
        if (r.inputs.size() > kMaxInputs)
          return std::unexpected(bad_field("input", "at most " + std::to_string(kMaxInputs) + " inputs per request"));
      } else {
        return std::unexpected(bad_field("input", shape));
      }
    } else if (k == "model") {
      if (!v.is_string()) return std::unexpected(bad_field("model", "'model' must be a string"));
      r.model = v.as_string();
    } else if (k == "encoding_format") {
      if (!v.is_string() || (v.as_string() != "float" && v.as_string() != "base64"))
        return std::unexpected(bad_field("encoding_format", "'encoding_format' must be \"float\" or \"base64\""));
      r.base64 = v.as_string() == "base64";
    } else if (k == "user") {
      if (!v.is_string()) return std::unexpected(bad_field("user", "'user' must be a string"));
      r.user = v.as_string();
    } else if (k == "dimensions") {
      return std::unexpected(bad_field("dimensions", "'dimensions' is not supported: the vectors have the model's hidden size"));
    } else {
      return std::unexpected(bad_field(k, "unknown field '" + k + "'"));
    }
  }
  if (!has_input) return std::unexpected(bad_field("input", "'input' is required"));
  return r;
}

std::string base64_floats(const std::vector<float>& v) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t u = std::bit_cast<uint32_t>(v[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + static_cast<size_t>(b)] = static_cast<char>((u >> (8 * b)) & 0xff);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace heft::serve
