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
  if (!options.js_fallback) return Interpreter(*program_, name_, options).render(vars);
  // The first pass may change lists (list.pop()); the second starts from the caller's values.
  Vars copy;
  copy.reserve(vars.size());
  for (const auto& [k, v] : vars) copy.emplace_back(k, deep_copy(v));
  Interpreter python(*program_, name_, options);
  auto out = python.render(copy);
  if (out || !python.js_suggested()) return out;
  return Interpreter(*program_, name_, options, true).render(vars);
}

}  // namespace heft::jinja
