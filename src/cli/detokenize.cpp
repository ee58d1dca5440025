// `heft detokenize MODEL ID... [--skip-special]`, `heft detokenize MODEL --jsonl F`
//
// Prints the text of the ids exactly, with no newline added (so the output
// can be compared byte for byte; llama.cpp's detokenize does the same).
// IDs may be separate arguments or one JSON array ("[1, 2, 3]" as printed by
// `heft tokenize --ids`); without any, they are read from standard input.
// --jsonl decodes many sequences: each input line a JSON array of ids, each
// output line the text as a JSON string (invalid UTF-8 written as U+FFFD).
#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/command.h"
#include "store/hf_cache.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

struct DetokenizeOptions {
  std::string model;
  std::vector<std::string> ids;
  bool skip_special = false;
  std::string jsonl;
};

// Every integer in `s`; anything else but separators ([ ] , whitespace) is an error.
util::Result<std::vector<int32_t>> parse_ids(const std::string& s) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '[' || c == ']' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    size_t j = i;
    if (s[j] == '-') ++j;
    size_t digits = j;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == digits || j - digits > 10) return util::fail("not a token id: '" + s.substr(i, std::min<size_t>(j - i + 1, 20)) + "'");
    long long v = std::stoll(s.substr(i, j - i));
    if (v < INT32_MIN || v > INT32_MAX) return util::fail("token id out of range: " + s.substr(i, j - i));
    out.push_back(static_cast<int32_t>(v));
    i = j;
  }
  return out;
}

}  // namespace

Action add_detokenize(CLI::App& app) {
  auto opt = std::make_shared<DetokenizeOptions>();
  auto* cmd = app.add_subcommand("detokenize", "Turn token ids back into text");
  cmd->add_option("model", opt->model, "A .gguf, a Hugging Face folder, a folder with tokenizer.json, or a tokenizer.json; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG]")
      ->required();
  auto* ids = cmd->add_option("ids", opt->ids, "Token ids (or one JSON array); default: read from standard input");
  cmd->add_flag("--skip-special", opt->skip_special, "Leave special (control) tokens out of the text");
  cmd->add_option("--jsonl", opt->jsonl, "Decode each line (a JSON array of ids) of this file ('-': stdin); print one JSON string per line")
      ->excludes(ids);
  return [opt]() -> int {
    auto path = store::resolve_model_argument(opt->model);
    if (!path) return report(path.error());
    auto tok = tokenizer::load_tokenizer_path(*path);
    if (!tok) return report(tok.error());
    if (!opt->jsonl.empty()) {
      std::string all;
      if (opt->jsonl == "-") {
        all.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      } else {
        auto r = util::read_file(opt->jsonl);
        if (!r) return report(r.error());
        all = std::move(*r);
      }
      std::string out;
      size_t line_no = 0;
      for (size_t pos = 0; pos < all.size();) {
        size_t nl = all.find('\n', pos);
        std::string line = all.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? all.size() : nl + 1;
        ++line_no;
        if (line.empty()) continue;
        auto ids = parse_ids(line);
        if (!ids) return report({"line " + std::to_string(line_no) + ": " + ids.error().message, opt->jsonl});
        std::vector<int32_t> valid;
        for (int32_t id : *ids)
          if (tok->valid(id)) valid.push_back(id);
        util::append_json_string(out, tokenizer::unicode::to_valid_lossy(tok->decode(valid, {.skip_special = opt->skip_special})));
        out += '\n';
      }
      std::fwrite(out.data(), 1, out.size(), stdout);
      return 0;
    }
    std::string joined;
    if (opt->ids.empty()) joined.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    for (const std::string& a : opt->ids) joined += a + " ";
    auto ids = parse_ids(joined);
    if (!ids) return report(ids.error());
    for (int32_t id : *ids)
      if (!tok->valid(id))
        return report({"token id " + std::to_string(id) + " is outside the vocabulary (size " +
                       std::to_string(tok->n_vocab()) + ")"});
    std::string text = tok->decode(*ids, {.skip_special = opt->skip_special});
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  };
}

}  // namespace heft::cli
