// `heft license MODEL`: the licence a model is under, where that was stated,
// its key terms, its base models' licences and any conflict (store/license.h).
#include <fmt/format.h>

#include "cli/command.h"
#include "store/hf_cache.h"
#include "store/license.h"

namespace heft::cli {

namespace {

void line(std::string_view label, std::string_view text) {
  if (!text.empty()) fmt::print("{:<15} {}\n", fmt::format("{}:", label), text);
}

std::string statement(const store::LicenseFinding& f) {
  std::vector<std::string> parts;
  if (!f.declared.empty()) parts.push_back("license: " + f.declared);
  if (!f.declared_name.empty()) parts.push_back("license_name: " + f.declared_name);
  if (!f.declared_link.empty()) parts.push_back("license_link: " + f.declared_link);
  std::string what;
  for (const auto& p : parts) what.append(what.empty() ? "" : ", ").append(p);
  if (f.source == "LICENSE file") return fmt::format("the heading of {}", f.location);
  std::string out = f.source;
  if (!f.location.empty()) out.append(" ").append(f.location);
  if (!what.empty()) out.append(" (").append(what).append(")");
  return out;
}

void print_terms(const store::LicenseTerms& t) {
  std::string commercial(store::commercial_name(t.commercial));
  if (!t.commercial_note.empty()) commercial.append(": ").append(t.commercial_note);
  line("commercial use", commercial);
  line("users", t.user_threshold);
  line("attribution", t.attribution);
  line("naming", t.naming);
  line("acceptable use", t.acceptable_use);
  line("restrictions", t.restrictions);
  line("regions", t.regional);
  for (const auto& n : t.notes) line("note", n);
}

int show(const std::string& model, bool json) {
  auto path = store::resolve_model_argument(model);
  if (!path) return report(path.error());
  auto r = store::describe_model_license(*path);
  if (!r) return report(r.error());
  r->model = model;
  if (json) {
    fmt::print("{}\n", store::license_report_json(*r).dump(2));
    return 0;
  }
  const store::LicenseFinding& f = r->license;
  line("model", model == *path ? model : fmt::format("{} ({})", model, *path));
  if (f.known())
    line("licence", fmt::format("{} ({})", f.terms->id, f.terms->name));
  else
    line("licence", fmt::format("{}: {}", f.display(), store::kUnknownLicense));
  line("stated in", f.source.empty() ? std::string("nothing beside the model states a licence") : statement(f));
  line("text", f.text_location.empty() ? std::string("not found (no licence link, no LICENSE file)") : f.text_location);
  if (f.known()) print_terms(*f.terms);
  for (const auto& b : r->base_models) {
    std::string where = b.found_in.empty() ? std::string("not in the Hugging Face cache or heft's table of known base models")
                                           : b.found_in;
    std::string of = b.child.empty() ? "" : fmt::format(", base of {}", b.child);
    if (b.license.known())
      line("base model", fmt::format("{}: {} ({}{})", b.repo, b.license.terms->id, where, of));
    else
      line("base model", fmt::format("{}: {} ({}; {}{})", b.repo, store::kUnknownLicense,
                                     b.license.text_location.empty() ? "no text found" : b.license.text_location, where, of));
  }
  for (const auto* t : r->applicable)
    if (t != f.terms) {
      line("inherited", fmt::format("{} ({}) from a base model", t->id, t->name));
      print_terms(*t);
    }
  for (const auto& c : r->conflicts) line("conflict", c);
  for (const auto& file : r->license_files) line("file", file);
  line("overall", fmt::format("commercial use {} (all applicable licences together)", r->commercial_use()));
  if (r->requires_acceptance())
    line("acceptance", "required: gated on the Hugging Face Hub, so heft pull needs --accept-license");
  return 0;
}

}  // namespace

Action add_license(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("license", "Show a model's licence: from its GGUF metadata, model card and LICENSE files, "
                                            "with its key terms, its base models' licences and any conflict");
  cmd->add_option("model", *model, "A .gguf, Hugging Face folder, model file, or ORG/NAME[:QUANT] in the Hugging Face cache")
      ->required();
  cmd->add_flag("--json", *json, "Print one JSON document (license, base_models, conflicts, commercial_use, ...)");
  return [model, json] { return show(*model, *json); };
}

}  // namespace heft::cli
