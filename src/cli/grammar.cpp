// `heft grammar check`: is a text accepted by a grammar or a JSON Schema, and
// where does it stop matching — for users debugging their schemas.
// `heft grammar show`: the GBNF heft compiles a JSON Schema to.
#include <fmt/format.h>

#include <cstdio>

#include "cli/command.h"
#include "grammar/check.h"
#include "session/constraint.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

struct GrammarArgs {
  session::GrammarFlags flags;
  bool lenient = false;
  std::string text, file;
  bool text_given = false;
};

void add_source(CLI::App* cmd, GrammarArgs& a) {
  auto* schema = cmd->add_option("--json-schema", a.flags.json_schema,
                                 "A JSON Schema file (or the schema itself when it starts with '{')");
  auto* gbnf = cmd->add_option("--grammar-file", a.flags.grammar_file, "A GBNF grammar file (llama.cpp's format)");
  schema->excludes(gbnf);
  cmd->add_flag("--lenient", a.lenient,
                "Skip JSON Schema keywords heft cannot enforce (listed on stderr) instead of refusing the schema");
}

util::Result<std::string> load(GrammarArgs& a) {
  if (a.flags.json_schema.empty() && a.flags.grammar_file.empty())
    return util::fail("name a grammar: --json-schema FILE or --grammar-file FILE");
  a.flags.strict = !a.lenient;
  std::vector<std::string> unsupported;
  auto text = HEFT_TRY(session::grammar_text(a.flags, &unsupported));
  for (const auto& u : unsupported) fmt::print(stderr, "heft: not enforced: {}\n", u);
  return text;
}

// Line and column (1-based, columns in bytes) of a byte offset.
std::pair<size_t, size_t> line_column(std::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return {line, col};
}

int check(GrammarArgs& a) {
  auto gbnf = load(a);
  if (!gbnf) return report(gbnf.error());
  auto g = session::parse_grammar(*gbnf);
  if (!g) return report(g.error());
  std::string text = a.text;
  if (!a.file.empty()) {
    auto t = util::read_file(a.file);
    if (!t) return report(t.error());
    text = std::move(*t);
  } else if (!a.text_given) {  // neither: standard input, as heft tokenize reads it
    std::string in;
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, stdin)) > 0;) in.append(buf, n);
    text = std::move(in);
  }
  const auto r = grammar::check(**g, text);
  if (r.too_complex)
    return report(util::Error(fmt::format(
        "the grammar is too ambiguous to follow (at byte {} it needs more parse stacks or states than heft allows)", r.offset)));
  if (r.accepted) {
    fmt::print("accepted\n");
    return 0;
  }
  const auto [line, col] = line_column(text, r.offset);
  if (r.incomplete) fmt::print("not accepted: the text ends (byte {}, line {}, column {}) where the grammar expects {}\n", r.offset, line, col, r.expected);
  else fmt::print("not accepted at byte {} (line {}, column {}): expected {}\n", r.offset, line, col, r.expected);
  return 3;
}

int show(GrammarArgs& a) {
  auto gbnf = load(a);
  if (!gbnf) return report(gbnf.error());
  std::fwrite(gbnf->data(), 1, gbnf->size(), stdout);
  return 0;
}

}  // namespace

Action add_grammar(CLI::App& app) {
  auto a = std::make_shared<GrammarArgs>();
  auto* cmd = app.add_subcommand("grammar", "Check texts against a GBNF grammar or a JSON Schema; show compiled schemas");
  cmd->require_subcommand(1);
  auto* chk = cmd->add_subcommand("check",
                                  "Print whether TEXT (or --file) is accepted, and if not where it stops matching. "
                                  "Exit status: 0 accepted, 3 not accepted, 1 the grammar or schema is invalid or refused");
  add_source(chk, *a);
  auto* text = chk->add_option("text", a->text, "The text to check (default: standard input)");
  chk->add_option("-f,--file", a->file, "Read the text from a file (its bytes exactly)")->excludes(text);
  auto* sh = cmd->add_subcommand("show", "Print the GBNF grammar a JSON Schema compiles to (or a grammar file, checked)");
  add_source(sh, *a);
  return [a, chk, text] {
    a->text_given = text->count() > 0;
    return chk->parsed() ? check(*a) : show(*a);
  };
}

}  // namespace heft::cli
