#include "session/constraint.h"

#include "grammar/gbnf.h"
#include "grammar/json_schema.h"
#include "util/mapped_file.h"

namespace heft::session {

std::shared_ptr<const grammar::VocabIndex> build_vocab_index(const tokenizer::Tokenizer& tok) {
  using Kind = grammar::VocabIndex::Kind;
  const size_t n = tok.n_vocab();
  std::vector<std::string> pieces(n);
  std::vector<Kind> kinds(n, Kind::Text);
  for (size_t i = 0; i < n; ++i) {
    const auto id = static_cast<int32_t>(i);
    if (tok.is_eog(id)) {
      kinds[i] = Kind::EndOfGeneration;
      continue;
    }
    const auto type = tok.token_type(id);
    if (tok.vocab().is_control(id) || type == tokenizer::TokenType::Unused || type == tokenizer::TokenType::Unknown) {
      kinds[i] = Kind::Special;
      continue;
    }
    pieces[i] = tok.token_to_piece(id);
  }
  return std::make_shared<const grammar::VocabIndex>(pieces, kinds);
}

util::Result<std::string> grammar_text(const GrammarFlags& f, std::vector<std::string>* unsupported) {
  if (!f.grammar_file.empty() && !f.json_schema.empty())
    return util::fail("give either a grammar file or a JSON Schema, not both");
  if (!f.grammar_file.empty()) {
    auto text = util::read_file(f.grammar_file, size_t{16} << 20);
    if (!text) return std::unexpected(std::move(text.error()));
    // Checked here for its syntax; token references by text are resolved with the model's vocabulary later.
    auto g = grammar::parse_gbnf(*text, "root", [](std::string_view) { return 0; });
    if (!g) return std::unexpected(std::move(g.error().in_file(f.grammar_file)));
    return std::move(*text);
  }
  if (f.json_schema.empty()) return std::string();
  const bool inline_schema = f.json_schema.front() == '{';
  std::string text;
  if (inline_schema) {
    text = f.json_schema;
  } else {
    auto t = util::read_file(f.json_schema, size_t{16} << 20);
    if (!t) return std::unexpected(std::move(t.error()));
    text = std::move(*t);
  }
  const std::string source = inline_schema ? "the JSON Schema" : f.json_schema;
  auto schema = util::Json::parse(text, source);
  if (!schema) return std::unexpected(std::move(schema.error()));
  auto g = grammar::schema_to_gbnf(*schema, {.strict = f.strict});
  if (!g) return std::unexpected(std::move(g.error().in_file(source)));
  if (unsupported) *unsupported = g->unsupported;
  return std::move(g->gbnf);
}

util::Result<std::shared_ptr<const grammar::Grammar>> parse_grammar(std::string_view gbnf, const tokenizer::Tokenizer* tok) {
  grammar::TokenLookup lookup;
  if (tok) lookup = [tok](std::string_view text) { return tok->find_token(text); };
  auto g = grammar::parse_gbnf(gbnf, "root", lookup);
  if (!g) return std::unexpected(std::move(g.error()));
  return std::make_shared<const grammar::Grammar>(std::move(*g));
}

util::Result<std::shared_ptr<grammar::TokenConstraint>> constraint_from_gbnf(
    std::string_view gbnf, const tokenizer::Tokenizer& tok, std::shared_ptr<const grammar::VocabIndex> vocab) {
  auto g = HEFT_TRY(parse_grammar(gbnf, &tok));
  return std::make_shared<grammar::TokenConstraint>(std::move(g), std::move(vocab));
}

}  // namespace heft::session
