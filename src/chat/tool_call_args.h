#pragma once
// Tool-call helpers shared by the parsers and the grammar builder: the tools
// of a request by name, JSON text scanning and compaction, and the
// conversion of raw (XML-style) parameter values by their schema's type.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "util/json.h"

namespace heft::chat::detail {

// The function objects ({"name", "description", "parameters"}) of an OpenAI
// `tools` array; entries may also be bare function objects. Holds pointers
// into `tools`, which must outlive it.
class ToolSet {
 public:
  ToolSet() = default;
  explicit ToolSet(const util::Json& tools);

  const util::Json* find(std::string_view name) const;  // the function object, or nullptr
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // properties[param] of the tool's parameters schema, or nullptr.
  const util::Json* parameter_schema(std::string_view tool, std::string_view param) const;
  const std::vector<const util::Json*>& functions() const { return functions_; }

 private:
  std::vector<const util::Json*> functions_;
};

enum class Scan { Done, NeedMore, Bad };

// Finds the end of the one JSON value starting at text[at] (no leading
// whitespace): strings, objects and arrays by their closing byte, scalars by
// the end of their run of characters (which needs `at_end` when the text
// stops inside one). Structure only; Json::parse validates afterwards.
struct JsonSpan {
  Scan status = Scan::Bad;
  size_t end = 0;  // Done: one past the value's last byte
};
JsonSpan scan_json(std::string_view text, size_t at, bool at_end);

// Drops the whitespace outside strings. A prefix of a JSON text compacts to
// a prefix of the whole text's compaction, which is what lets argument text
// stream before the call is complete.
std::string compact_json(std::string_view text);

// A call's arguments value as written by the model → compact JSON object
// text. A JSON string holding an object (some models quote their arguments)
// is unwrapped.
util::Result<std::string> json_arguments(std::string_view value);

// A raw parameter value (GLM, MiniMax, Qwen XML) → JSON text: kept as a
// string where the schema's type is "string", parsed as JSON where it names
// other types (Python's True/False/None are accepted for booleans and null),
// and, with no type, JSON when it parses and a string otherwise.
util::Result<std::string> raw_argument(std::string_view raw, const util::Json* schema);

bool is_json_space(char c);
std::string_view trim_space(std::string_view s);

}  // namespace heft::chat::detail
