#pragma once
// An error a request gets back, in OpenAI's shape:
// {"error": {"message", "type", "param", "code"}} with an HTTP status.
#include <string>

#include "util/json.h"

namespace heft::serve {

struct ApiError {
  int status = 400;
  std::string message;
  std::string param;                            // the request field at fault; empty: null
  std::string type = "invalid_request_error";   // OpenAI's types: invalid_request_error, authentication_error, ...
  std::string code;                             // empty: null

  std::string body() const {
    util::Json e = util::Json::object();
    e.set("message", util::Json(message));
    e.set("type", util::Json(type));
    e.set("param", param.empty() ? util::Json() : util::Json(param));
    e.set("code", code.empty() ? util::Json() : util::Json(code));
    util::Json doc = util::Json::object();
    doc.set("error", std::move(e));
    return doc.dump();
  }
};

inline ApiError bad_field(std::string param, std::string message) {
  return ApiError{400, std::move(message), std::move(param)};
}

}  // namespace heft::serve
