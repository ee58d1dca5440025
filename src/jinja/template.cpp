#include "jinja/template.h"

#include "jinja/lexer.h"

namespace heft::jinja {

util::Result<Template> Template::parse(std::string_view source, std::string name) {
  auto program = jinja::parse(source);
  if (!program) {
    const util::Error& e = program.error();
    std::string where = name + ":" + line_col(normalize_source(source), e.offset.value_or(0)) + ": ";
    return util::fail(where + e.message);
  }
  Template t;
  t.program_ = std::make_shared<const Program>(std::move(*program));
  t.name_ = std::move(name);
  return t;
}

util::Result<std::string> Template::render(const Vars& vars, const RenderOptions& options) const {
  Interpreter in(*program_, name_, options);
  return in.render(vars);
}

}  // namespace heft::jinja
