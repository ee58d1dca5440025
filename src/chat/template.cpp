#include "chat/template.h"

#include <ctime>

#include "jinja/json_value.h"

namespace heft::chat {

util::Result<Template> Template::parse(std::string_view source, std::string name) {
  Template t;
  t.tmpl_ = HEFT_TRY(jinja::Template::parse(source, std::move(name)));
  return t;
}

util::Result<std::string> Template::render(const util::Json& messages, const util::Json& tools,
                                           bool add_generation_prompt, const util::Json& extra,
                                           const jinja::RenderOptions& options) const {
  util::Json ctx = util::Json::object();
  ctx.set("messages", messages);
  ctx.set("tools", tools);
  ctx.set("documents", util::Json());
  ctx.set("add_generation_prompt", util::Json(add_generation_prompt));
  if (extra.is_object())
    for (const auto& [k, v] : extra.as_object()) ctx.set(k, v);
  return render_context(ctx, options);
}

util::Result<std::string> Template::render_context(const util::Json& context,
                                                   const jinja::RenderOptions& options) const {
  if (!context.is_object()) return util::fail("the render context must be a JSON object");
  jinja::Vars vars;
  vars.reserve(context.as_object().size());
  for (const auto& [k, v] : context.as_object()) vars.emplace_back(k, jinja::from_json(v));
  return tmpl_.render(vars, options);
}

util::Result<std::tm> parse_now(std::string_view text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string t(text);
  int n = std::sscanf(t.c_str(), "%4d-%2d-%2d%*[T ]%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
  bool shape_ok = (n == 3 && t.size() == 10) || n >= 5;
  if (!shape_ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return util::fail("expected a date like 2026-11-26 or 2026-11-26T13:45:00, got '" + t + "'");
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = 0;
  // Fill in weekday and day of the year (timegm treats the fields as UTC, so no DST shifts).
  std::time_t tt = timegm(&tm);
  std::tm out{};
  gmtime_r(&tt, &out);
  if (out.tm_mday != d) return util::fail("no such date: '" + t + "'");
  return out;
}

}  // namespace heft::chat
