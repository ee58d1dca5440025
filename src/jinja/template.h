#pragma once
// The sandboxed Jinja2 interpreter's entry point: parse a template once,
// render it many times with different variables. Rendering never touches
// files or the environment; loops, recursion, output and work are bounded
// (see Limits and docs/jinja.md). Errors read "NAME:LINE:COL: message".
#include <memory>
#include <string>
#include <string_view>

#include "jinja/interpreter.h"
#include "jinja/parser.h"
#include "jinja/value.h"
#include "util/error.h"

namespace heft::jinja {

class Template {
 public:
  // `name` is what errors call the template ("template.jinja:12:5: ...").
  static util::Result<Template> parse(std::string_view source, std::string name = "template.jinja");

  util::Result<std::string> render(const Vars& vars, const RenderOptions& options = {}) const;

  const std::string& name() const { return name_; }

 private:
  std::shared_ptr<const Program> program_;
  std::string name_;
};

}  // namespace heft::jinja
