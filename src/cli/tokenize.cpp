// `heft tokenize MODEL [TEXT | --file F | --jsonl F] [--ids] [--json] [--no-add-special] [--parse-special]`
//
// Like llama.cpp's llama-tokenize: adds what the model adds (a GGUF adds its
// special tokens only when it asks for BOS, as llama-tokenize does), prints
// each id with its piece, or only the ids as a JSON array with --ids.
// --jsonl tokenizes many texts in one run: each input line is a JSON string,
// each output line the JSON array of its ids.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/command.h"
#include "store/hf_cache.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string file;
  std::string jsonl;
  bool ids = false;
  bool json = false;
  bool no_add_special = false;
  bool parse_special = false;
  CLI::Option* text_opt = nullptr;
};

std::string ids_json(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

// A piece as llama-tokenize shows it; invalid UTF-8 as hex bytes.
std::string shown_piece(const std::string& piece, bool& invalid) {
  invalid = !tokenizer::unicode::is_valid_utf8(piece);
  if (!invalid) return piece;
  std::string s = "<";
  for (size_t i = 0; i < piece.size(); ++i) s += fmt::format("{}{:02x}", i ? " " : "", static_cast<uint8_t>(piece[i]));
  return s + ">";
}

int run_jsonl(const tokenizer::Tokenizer& tok, const TokenizeOptions& opt, const tokenizer::EncodeOptions& eo) {
  std::string all;
  if (opt.jsonl == "-") {
    all.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto r = util::read_file(opt.jsonl);
    if (!r) return report(r.error());
    all = std::move(*r);
  }
  std::string out;
  size_t line_no = 0;
  for (size_t pos = 0; pos < all.size();) {
    size_t nl = all.find('\n', pos);
    std::string_view line = std::string_view(all).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? all.size() : nl + 1;
    ++line_no;
    if (line.empty()) continue;
    auto j = util::Json::parse(line, opt.jsonl);
    if (!j || !j->is_string())
      return report({"line " + std::to_string(line_no) + ": expected a JSON string", opt.jsonl});
    out += ids_json(tok.encode(j->as_string(), eo));
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

Action add_tokenize(CLI::App& app) {
  auto opt = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand("tokenize", "Turn text into token ids the way the model's reference does "
                                             "(GGUF: llama.cpp; tokenizer.json: Hugging Face tokenizers)");
  cmd->add_option("model", opt->model, "A .gguf, a Hugging Face folder, a folder with tokenizer.json, or a tokenizer.json; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG]")
      ->required();
  opt->text_opt = cmd->add_option("text", opt->text, "The text (default: standard input)");
  auto* file = cmd->add_option("-f,--file", opt->file, "Read the text from this file, byte for byte")->excludes(opt->text_opt);
  auto* jsonl = cmd->add_option("--jsonl", opt->jsonl,
                                "Tokenize each line (a JSON string) of this file ('-': stdin); print one JSON array per line")
                    ->excludes(opt->text_opt)
                    ->excludes(file);
  // Each of these picks the output form, so only one may be given.
  auto* ids = cmd->add_flag("--ids", opt->ids, "Print only the ids, as a JSON array")->excludes(jsonl);
  cmd->add_flag("--json", opt->json, "Print [{\"id\": N, \"piece\": \"...\"}, ...]")->excludes(jsonl)->excludes(ids);
  cmd->add_flag("--no-add-special", opt->no_add_special, "Do not add BOS/EOS/[CLS]/[SEP] or other template tokens");
  cmd->add_flag("--parse-special", opt->parse_special, "Recognise special-token text such as <|eot_id|> as that token");
  return [opt]() -> int {
    auto path = store::resolve_model_argument(opt->model);
    if (!path) return report(path.error());
    auto tok = tokenizer::load_tokenizer_path(*path);
    if (!tok) return report(tok.error());
    tokenizer::EncodeOptions eo;
    // llama-tokenize passes add_special = (model adds BOS); tokenizers applies its post-processor.
    eo.add_special = !opt->no_add_special && (tok->reference() == tokenizer::Reference::HuggingFace || tok->adds_bos());
    eo.parse_special = opt->parse_special;
    if (!opt->jsonl.empty()) return run_jsonl(*tok, *opt, eo);

    std::string text;
    if (!opt->file.empty()) {
      auto r = util::read_file(opt->file);
      if (!r) return report(r.error());
      text = std::move(*r);
    } else if (opt->text_opt->count() > 0) {
      text = opt->text;
    } else {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    std::vector<int32_t> ids = tok->encode(text, eo);
    if (opt->ids) {
      fmt::print("{}\n", ids_json(ids));
      return 0;
    }
    if (opt->json) {
      util::Json arr = util::Json::array();
      for (int32_t id : ids) {
        util::Json o = util::Json::object();
        o.set("id", util::Json(int64_t{id}));
        o.set("piece", util::Json(tokenizer::unicode::to_valid_lossy(tok->token_to_piece(id))));
        arr.push_back(std::move(o));
      }
      fmt::print("{}\n", arr.dump(2));
      return 0;
    }
    std::string out;
    for (int32_t id : ids) {
      bool invalid = false;
      std::string shown = shown_piece(tok->token_to_piece(id), invalid);
      out += fmt::format("{:6d} -> '{}'{}\n", id, shown, invalid ? " (utf-8 decode failure)" : "");
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  };
}

}  // namespace heft::cli
