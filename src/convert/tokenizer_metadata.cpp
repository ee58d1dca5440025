#include "convert/tokenizer_metadata.h"

#include <filesystem>
#include <map>
#include <set>

#include "tokenizer/gguf_loader.h"
#include "tokenizer/gguf_pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mapped_file.h"

namespace heft::convert {

using formats::MetaValue;
using util::Json;

namespace {

namespace fs = std::filesystem;

enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// Text llama.cpp's converter and heft use to tell pre-tokenizers apart: words,
// contractions, digit runs, whitespace runs, code, scripts and emoji.
constexpr std::string_view kProbe =
    "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n\U0001F680 (normal) \U0001F636\u200D\U0001F32B\uFE0F (multiple emojis "
    "concatenated) \u2705 \U0001F999\U0001F999 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 "
    "\u1780\u17B6\u1793\u17CB\u178F\u17C2\u1796\u17B7\u179F\u17C1\u179F\u17A2\u17B6\u1785\U0001F601 ?\u6211\u60F3\u5728"
    "apple\u5DE5\u4F5C1314151\u5929\uFF5E ------======= \u043D\u0435\u0449\u043E \u043D\u0430 \u0411\u044A\u043B\u0433"
    "\u0430\u0440\u0441\u043A\u0438 ''''''```````\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure? "
    "'M not sure I'll make it, 'D you like some tea? We'Ve a'lot of 'em def f(x): return x**2 + 3*x - 1  # comment\n"
    "\t\tif (a != b) { c += 42; }\r\n  HELLO World 1234567890 ÀÉÎÕÜ naïve café";

std::string special_text(const Json* v) {
  if (!v) return {};
  if (v->is_string()) return v->as_string();
  if (v->is_object()) return v->get_string("content");
  return {};
}

struct HfVocab {
  std::vector<std::string> tokens;   // by id
  std::vector<int32_t> types;
  std::map<std::string, int32_t> ids;
};

}  // namespace

util::Result<void> add_tokenizer_metadata(const std::string& dir, formats::Metadata& md) {
  const std::string tj_path = (fs::path(dir) / "tokenizer.json").string();
  std::error_code ec;
  if (!fs::exists(tj_path, ec)) {
    util::warn("{} has no tokenizer.json; the GGUF will have no tokenizer", dir);
    return {};
  }
  const Json tj = HEFT_TRY(Json::parse(HEFT_TRY(util::read_file(tj_path)), tj_path));
  Json cfg = Json::object();
  const std::string cfg_path = (fs::path(dir) / "tokenizer_config.json").string();
  if (fs::exists(cfg_path, ec)) cfg = HEFT_TRY(Json::parse(HEFT_TRY(util::read_file(cfg_path, 64 << 20)), cfg_path));

  const Json* model = tj.find("model");
  if (!model || !model->is_object()) return util::fail("tokenizer.json has no model", tj_path);
  const std::string kind = model->get_string("type");
  const bool byte_fallback = model->get_bool("byte_fallback", false);

  // Tokens by id: the model's vocabulary, then added tokens; holes become [PAD{id}].
  HfVocab v;
  std::map<int64_t, std::string> by_id;
  if (const Json* vocab = model->find("vocab")) {
    if (vocab->is_object()) {
      for (const auto& [tok, id] : vocab->as_object())
        if (id.is_integer()) by_id[id.as_int()] = tok;
    } else if (vocab->is_array()) {  // Unigram: [[piece, score], ...]
      int64_t i = 0;
      for (const auto& e : vocab->as_array()) by_id[i++] = e.is_array() && e.size() && e.as_array()[0].is_string() ? e.as_array()[0].as_string() : "";
    }
  }
  std::set<int64_t> special_added, normal_added;
  if (const Json* added = tj.find("added_tokens"); added && added->is_array())
    for (const auto& a : added->as_array()) {
      int64_t id = a.get_int("id", -1);
      if (id < 0) continue;
      by_id[id] = a.get_string("content");
      (a.get_bool("special", false) ? special_added : normal_added).insert(id);
    }
  if (by_id.empty() || by_id.begin()->first < 0 || by_id.rbegin()->first > (1 << 24))
    return util::fail("tokenizer.json has an empty or implausible vocabulary", tj_path);
  const int64_t n_vocab = std::max<int64_t>(by_id.rbegin()->first + 1, md.get_int(md.get_string("general.architecture").value_or("") + ".vocab_size").value_or(0));
  for (int64_t i = 0; i < n_vocab; ++i) {
    auto it = by_id.find(i);
    v.tokens.push_back(it != by_id.end() ? it->second : "[PAD" + std::to_string(i) + "]");
  }

  // Special token ids named by tokenizer_config.json (or special_tokens_map.json).
  Json special = cfg;
  const std::string stm = (fs::path(dir) / "special_tokens_map.json").string();
  if (fs::exists(stm, ec))
    if (auto j = Json::parse(HEFT_TRY(util::read_file(stm, 16 << 20)), stm); j && j->is_object())
      for (const auto& [k, val] : j->as_object())
        if (!special.find(k)) special.set(k, val);
  auto id_of = [&](const char* key) -> int64_t {
    std::string text = special_text(special.find(key));
    if (text.empty()) return -1;
    for (int64_t i = 0; i < n_vocab; ++i)
      if (v.tokens[static_cast<size_t>(i)] == text) return i;
    return -1;
  };
  std::set<int64_t> control = special_added;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"})
    if (int64_t id = id_of(key); id >= 0) control.insert(id);

  std::vector<std::string> merges;
  std::string ggml_model, pre = "default";
  std::vector<float> scores;
  for (int64_t i = 0; i < n_vocab; ++i) {
    const std::string& t = v.tokens[static_cast<size_t>(i)];
    int32_t type = kNormal;
    if (control.contains(i)) type = kControl;
    else if (normal_added.contains(i)) type = kUserDefined;
    else if (!by_id.contains(i)) type = kUserDefined;
    else if (byte_fallback && t.size() == 6 && t.starts_with("<0x") && t.back() == '>') type = kByte;
    v.types.push_back(type);
  }
  if (kind == "BPE" && byte_fallback) {
    ggml_model = "llama";
    scores.assign(static_cast<size_t>(n_vocab), -1000.0f);
  } else if (kind == "BPE") {
    ggml_model = "gpt2";
    if (const Json* m = model->find("merges"); m && m->is_array())
      for (const auto& e : m->as_array()) {
        if (e.is_string()) merges.push_back(e.as_string());
        else if (e.is_array() && e.size() == 2) merges.push_back(e.as_array()[0].as_string() + " " + e.as_array()[1].as_string());
      }
  } else if (kind == "WordPiece") {
    ggml_model = "bert";
  } else if (kind == "Unigram") {
    ggml_model = "t5";
    const Json* vocab = model->find("vocab");
    for (const auto& e : vocab->as_array())
      scores.push_back(e.is_array() && e.size() > 1 ? static_cast<float>(e.as_array()[1].as_double()) : 0.0f);
    scores.resize(static_cast<size_t>(n_vocab), 0.0f);
  } else {
    return util::fail("tokenizer model '" + kind + "' cannot be written to GGUF yet", tj_path);
  }

  formats::Metadata tok;
  tok.set("tokenizer.ggml.model", MetaValue::string(ggml_model));
  tok.set("tokenizer.ggml.pre", MetaValue::string(pre));
  tok.set("tokenizer.ggml.tokens", MetaValue::string_array(v.tokens));
  if (!scores.empty()) tok.set("tokenizer.ggml.scores", MetaValue::f32_array(scores));
  tok.set("tokenizer.ggml.token_type", MetaValue::i32_array(v.types));
  if (!merges.empty()) tok.set("tokenizer.ggml.merges", MetaValue::string_array(merges));
  auto set_id = [&](const char* gguf_key, const char* hf_key) {
    if (int64_t id = id_of(hf_key); id >= 0) tok.set(gguf_key, MetaValue::u32(static_cast<uint32_t>(id)));
  };
  set_id("tokenizer.ggml.bos_token_id", "bos_token");
  set_id("tokenizer.ggml.eos_token_id", "eos_token");
  set_id("tokenizer.ggml.unknown_token_id", "unk_token");
  set_id("tokenizer.ggml.seperator_token_id", "sep_token");
  set_id("tokenizer.ggml.padding_token_id", "pad_token");
  set_id("tokenizer.ggml.cls_token_id", "cls_token");
  set_id("tokenizer.ggml.mask_token_id", "mask_token");
  // Whether a BOS/EOS is added: tokenizer_config.json says so, else what Hugging Face's own pipeline does.
  auto hf = tokenizer::load_tokenizer_json(tj_path, fs::exists(cfg_path, ec) ? cfg_path : std::string());
  bool add_bos = false, add_eos = false;
  if (hf) {
    add_bos = hf->adds_bos();
    add_eos = hf->adds_eos();
  }
  if (const Json* b = cfg.find("add_bos_token"); b && b->is_bool()) add_bos = b->as_bool();
  if (const Json* e = cfg.find("add_eos_token"); e && e->is_bool()) add_eos = e->as_bool();
  tok.set("tokenizer.ggml.add_bos_token", MetaValue::boolean(add_bos));
  tok.set("tokenizer.ggml.add_eos_token", MetaValue::boolean(add_eos));

  // Byte-level BPE: find the llama.cpp pre-tokenizer that gives Hugging Face's ids.
  if (ggml_model == "gpt2" && hf) {
    const auto want = hf->encode(kProbe, {.add_special = false, .parse_special = false});
    std::string best;
    size_t best_score = 0;
    for (const std::string& name : tokenizer::gguf_pre_names()) {
      tok.set("tokenizer.ggml.pre", MetaValue::string(name));
      auto candidate = tokenizer::tokenizer_from_gguf(tok, tj_path);
      if (!candidate) continue;
      const auto got = candidate->encode(kProbe, {.add_special = false, .parse_special = false});
      size_t same = 0;
      while (same < got.size() && same < want.size() && got[same] == want[same]) ++same;
      if (got == want) {
        best = name;
        best_score = SIZE_MAX;
        break;
      }
      if (same > best_score) best_score = same, best = name;
    }
    if (best.empty()) best = "default";
    if (best_score != SIZE_MAX)
      util::warn("no llama.cpp pre-tokenizer reproduces this tokenizer.json exactly; writing the closest, '{}'", best);
    tok.set("tokenizer.ggml.pre", MetaValue::string(best));
  }
  for (const auto& [k, val] : tok.entries()) md.set(k, val);
  return {};
}

}  // namespace heft::convert
