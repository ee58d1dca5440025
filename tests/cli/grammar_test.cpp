// heft run --grammar-file / --json-schema and heft grammar check (issue 16).
// What a constrained run writes is checked by means other than heft's grammar
// engine: std::regex for small languages, simdjson (util::Json) for JSON.
#include <cstdio>
#include <regex>

#include "cli/cli_helpers.h"

using namespace heft;

namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = test::scratch_dir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

// A random-weight model with heft synth's byte-level vocabulary (TinyStories' has no '{').
const std::string& mini_model() {
  static const std::string path = [] {
    const std::string p = test::scratch_dir() + "/mini.gguf";
    auto r = test::heft({"synth", p, "--preset", "mini", "--seed", "16"});
    EXPECT_EQ(r.status, 0) << r.err;
    return p;
  }();
  return path;
}

util::Json run_json(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"run", mini_model(), "-p", "Once upon a time", "--json", "-t", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return test::heft_json(args);
}

}  // namespace

TEST(GrammarRun, OutputIsInTheLanguageForEverySeed) {
  const std::string g = write_file("plate.gbnf", "root ::= [A-Z]{2} \"-\" [0-9]{2,3} (\" \" word)?\nword ::= [a-z]+ \"!\"\n");
  const std::regex plate("[A-Z]{2}-[0-9]{2,3}( [a-z]+!)?");
  int complete = 0;
  for (int seed = 1; seed <= 12; ++seed) {
    auto doc = run_json({"--grammar-file", g, "--temp", "1.0", "--seed", std::to_string(seed), "-n", "24"});
    const std::string text = doc.get_string("text");
    const std::string reason = doc.get_string("stop_reason");
    if (reason == "eog") {
      EXPECT_TRUE(std::regex_match(text, plate)) << "seed " << seed << ": '" << text << "'";
      ++complete;
    } else {
      EXPECT_EQ(reason, "max_tokens") << text;
    }
  }
  EXPECT_GT(complete, 6);
}

TEST(GrammarRun, GreedyJsonIsJsonAndEndsWhereTheGrammarDoes) {
  const std::string g = write_file("json.gbnf", R"(root ::= "{" ws "\"name\":" ws str "," ws "\"tags\":" ws "[" ws (str ("," ws str)*)? "]" ws "}"
str ::= "\"" [a-z ]{0,12} "\""
ws ::= [ ]?
)");
  for (const char* temp : {"0", "0.8", "1.5"}) {
    auto doc = run_json({"--grammar-file", g, "--temp", temp, "--seed", "7", "-n", "200"});
    ASSERT_EQ(doc.get_string("stop_reason"), "eog") << doc.dump();
    auto parsed = util::Json::parse(doc.get_string("text"));
    ASSERT_TRUE(parsed) << doc.get_string("text");
    ASSERT_TRUE(parsed->find("name") && parsed->find("name")->is_string());
    ASSERT_TRUE(parsed->find("tags") && parsed->find("tags")->is_array());
  }
}

TEST(GrammarRun, ATokenLimitBeforeTheEndIsNotAStop) {
  const std::string g = write_file("long.gbnf", "root ::= \"[\" [a-z]{40} \"]\"\n");
  auto doc = run_json({"--grammar-file", g, "--temp", "1", "--seed", "3", "-n", "5"});
  EXPECT_EQ(doc.get_string("stop_reason"), "max_tokens");
  EXPECT_EQ(doc.find("tokens")->size(), 5u);
}

TEST(GrammarRun, BadGrammarsAreOneLineBeforeTheModelLoads) {
  const std::string g = write_file("bad.gbnf", "root ::= item\n");
  auto r = test::heft({"run", mini_model(), "-p", "x", "--grammar-file", g});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("undefined rule 'item'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.gbnf"), std::string::npos) << r.err;
  auto both = test::heft({"run", mini_model(), "-p", "x", "--grammar-file", g, "--json-schema", "{}"});
  EXPECT_EQ(both.status, 1);
}

TEST(GrammarRun, AVocabularyWithoutTheNeededCharactersEndsTheOutputAsIncomplete) {
  // TinyStories' 2048 pieces have no '{' and no byte tokens: nothing can start this grammar.
  const std::string g = write_file("brace.gbnf", "root ::= \"{\" [a-z]* \"}\"\n");
  auto doc = test::heft_json({"run", test::shared(test::kTinyF32), "-p", "Once", "--json", "--grammar-file", g});
  EXPECT_EQ(doc.get_string("stop_reason"), "grammar");
  EXPECT_EQ(doc.get_string("text"), "");
}

TEST(GrammarCheck, ReportsWhereATextStopsMatching) {
  const std::string g = write_file("kv.gbnf", "root ::= pair (\"\\n\" pair)*\npair ::= [a-z]+ \"=\" [0-9]+\n");
  auto ok = test::heft({"grammar", "check", "--grammar-file", g, "a=1\nbc=22"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "accepted\n");
  auto bad = test::heft({"grammar", "check", "--grammar-file", g, "a=1\nbc=x"});
  EXPECT_EQ(bad.status, 3);
  EXPECT_NE(bad.out.find("at byte 7 (line 2, column 4)"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("[0-9]"), std::string::npos) << bad.out;
  const std::string text = write_file("kv.txt", "a=");
  auto partial = test::heft({"grammar", "check", "--grammar-file", g, "--file", text});
  EXPECT_EQ(partial.status, 3);
  EXPECT_NE(partial.out.find("the text ends"), std::string::npos) << partial.out;
  auto piped = test::heft({"grammar", "check", "--grammar-file", g}, "a=1\nb=2");  // standard input
  EXPECT_EQ(piped.status, 0) << piped.out << piped.err;
  auto empty = test::heft({"grammar", "check", "--grammar-file", g, ""});  // an empty TEXT is a text
  EXPECT_EQ(empty.status, 3);
  auto none = test::heft({"grammar", "check", "a=1"});
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("--json-schema"), std::string::npos);
  auto shown = test::heft({"grammar", "show", "--grammar-file", g});
  EXPECT_EQ(shown.status, 0);
  EXPECT_NE(shown.out.find("pair ::="), std::string::npos);
}
