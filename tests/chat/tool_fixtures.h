#pragma once
// The tools the tool-call tests offer: a weather lookup and a web search (strings,
// an enum, integers, a boolean, an array), and, for the parser tests, Llama 3.1's
// built-in python and brave_search.
#include "util/json.h"

namespace heft::chat::fixtures {

inline const util::Json& sample_tools(bool with_builtins) {
  static const util::Json base = *util::Json::parse(R"([
    {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city.",
      "parameters": {"type": "object", "properties": {
        "location": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer"}}, "required": ["location"]}}},
    {"type": "function", "function": {"name": "search", "description": "Web search.",
      "parameters": {"type": "object", "properties": {
        "query": {"type": "string"},
        "limit": {"type": "integer"},
        "exact": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["query"]}}}
  ])");
  static const util::Json all = [] {
    util::Json t = base;
    t.push_back(*util::Json::parse(R"({"type": "function", "function": {"name": "python", "description": "Runs Python.",
      "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}}})"));
    t.push_back(*util::Json::parse(R"({"type": "function", "function": {"name": "brave_search", "description": "Llama 3.1 built-in.",
      "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}})"));
    return t;
  }();
  return with_builtins ? all : base;
}

}  // namespace heft::chat::fixtures
