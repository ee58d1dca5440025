#include "tokenizer/hf_loader.h"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "tokenizer/hf_components.h"
#include "tokenizer/hf_json.h"
#include "tokenizer/hf_pipeline.h"
#include "tokenizer/unicode.h"
#include "util/json.h"

namespace heft::tokenizer {

namespace {

using hf::J;
using hf::bad;
namespace dom = simdjson::dom;


}  // namespace

util::Result<Tokenizer> tokenizer_from_hf(const HfSources& in) {
  const std::string& src = in.source;
  dom::parser parser;
  simdjson::padded_string padded(in.tokenizer_json);
  dom::element root_el;
  auto err = parser.parse(padded).get(root_el);
  if (err == simdjson::NUMBER_ERROR) {
    padded = simdjson::padded_string(util::widen_big_integers(in.tokenizer_json));
    err = parser.parse(padded).get(root_el);
  }
  if (err != simdjson::SUCCESS) return bad(src, std::string("invalid JSON: ") + simdjson::error_message(err));
  J root(root_el);
  if (!root.is_object()) return bad(src, "tokenizer.json must hold a JSON object");

  auto data = std::make_shared<TokenizerData>();
  auto pipe = std::make_unique<HfPipeline>();
  HfPipeline& p = *pipe;
  Vocab& vocab = data->vocab;

  HEFT_TRY(hf::parse_normalizer(root["normalizer"], p.normalizer, src));
  HEFT_TRY(hf::parse_pre_tokenizer(root["pre_tokenizer"], p.pre_tokenizer, src));
  HEFT_TRY(hf::parse_decoder(root["decoder"], p.decoder, src));

  // ---- model vocabulary ----
  J model = root["model"];
  if (!model.is_object()) return bad(src, "tokenizer.json has no \"model\" object");
  std::string mtype = model.get_string("type");
  if (mtype.empty()) {  // untagged (old files): guess from the fields
    if (model["merges"].ok()) mtype = "BPE";
    else if (model["vocab"].is_array()) mtype = "Unigram";
    else if (model["max_input_chars_per_word"].ok()) mtype = "WordPiece";
    else mtype = "WordLevel";
  }
  size_t model_entries = 0;
  int64_t max_id = -1;
  std::vector<std::pair<std::string_view, int64_t>> entries;
  std::vector<double> unigram_scores;
  if (mtype == "Unigram") {
    std::vector<J> items = model["vocab"].items();
    entries.reserve(items.size());
    unigram_scores.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      std::vector<J> pair = items[i].items();
      if (pair.size() != 2 || !pair[0].str() || !pair[1].number())
        return bad(src, "Unigram vocab entry " + std::to_string(i) + " must be [token, score]");
      entries.emplace_back(*pair[0].str(), static_cast<int64_t>(i));
      unigram_scores.push_back(*pair[1].number());
    }
    max_id = static_cast<int64_t>(items.size()) - 1;
  } else if (mtype == "BPE" || mtype == "WordPiece" || mtype == "WordLevel") {
    J v = model["vocab"];
    if (!v.is_object()) return bad(src, "model.vocab must be an object of token -> id");
    bool bad_id = false;
    v.members([&](std::string_view k, J id) {
      auto i = id.integer();
      if (!i || *i < 0 || *i > 0xFFFFFFFFll) bad_id = true;
      else entries.emplace_back(k, *i), max_id = std::max(max_id, *i);
    });
    if (bad_id) return bad(src, "model.vocab has an id that is not a non-negative 32-bit integer");
  } else {
    return bad(src, "unsupported model type '" + mtype + "'");
  }
  // serde map semantics: a token listed twice keeps its last id
  {
    std::unordered_map<std::string_view, int64_t> last;
    last.reserve(entries.size() * 2);
    for (auto& [k, id] : entries) last[k] = id;
    model_entries = last.size();
    if (last.size() != entries.size()) {
      std::vector<std::pair<std::string_view, int64_t>> dedup;
      for (auto& [k, id] : entries)
        if (last[k] == id) dedup.emplace_back(k, id), last[k] = -1;
      entries = std::move(dedup);
    }
  }
  if (max_id >= static_cast<int64_t>(model_entries) * 2 + 65536)
    return bad(src, "model.vocab ids are too sparse (largest id " + std::to_string(max_id) + " for " +
                        std::to_string(model_entries) + " tokens)");
  vocab.resize(static_cast<size_t>(max_id + 1));
  for (auto& [k, id] : entries) {
    vocab.set_text(static_cast<int32_t>(id), std::string(k));
    vocab.set_type(static_cast<int32_t>(id), TokenType::Normal);
    if (mtype == "Unigram") vocab.set_score(static_cast<int32_t>(id), static_cast<float>(unigram_scores[static_cast<size_t>(id)]));
  }

  // ---- added tokens (ids assigned the way tokenizers' add_tokens does) ----
  vocab.index(true);
  {
    std::unordered_map<std::string, int32_t> added_ids;
    int64_t next_id = static_cast<int64_t>(model_entries);
    std::vector<AddedToken> list;
    for (J t : root["added_tokens"].items()) {
      AddedToken a;
      auto content = t["content"].str();
      if (!content) return bad(src, "an added token has no \"content\"");
      a.content = std::string(*content);
      if (a.content.empty()) continue;
      a.special = t.get_bool("special", false);
      a.single_word = t.get_bool("single_word", false);
      a.lstrip = t.get_bool("lstrip", false);
      a.rstrip = t.get_bool("rstrip", false);
      a.normalized = t.get_bool("normalized", !a.special);
      auto it = added_ids.find(a.content);
      int32_t id;
      if (it != added_ids.end()) id = it->second;
      else if (int32_t m = vocab.find(a.content); m >= 0) id = m;
      else {
        if (next_id > max_id + 1 + 1000000) return bad(src, "too many added tokens");
        id = static_cast<int32_t>(next_id++);
      }
      added_ids[a.content] = id;
      a.id = id;
      list.push_back(std::move(a));
    }
    int64_t need = max_id + 1;
    for (const AddedToken& a : list) need = std::max<int64_t>(need, a.id + 1);
    vocab.resize(static_cast<size_t>(need));
    for (AddedToken& a : list) {
      bool in_model = vocab.type(a.id) == TokenType::Normal && vocab.text(a.id) == a.content;
      if (!in_model) {
        vocab.set_text(a.id, a.content);
        vocab.set_flags(a.id, vocab.flags(a.id) | kFlagAddedOnly);
      }
      vocab.set_type(a.id, a.special ? TokenType::Control : TokenType::UserDefined);
      p.added.add(std::move(a));
    }
  }
  vocab.index(true);
  p.added.build(p.normalizer);
  for (const AddedToken& a : p.added.tokens()) {
    p.added_text[a.id] = a.normalized ? a.normalized_content : a.content;
    if (a.special) p.special_contents.insert(a.content);
  }

  // ---- the model ----
  if (mtype == "BPE") {
    data->kind = ModelKind::Bpe;
    p.model = ModelKind::Bpe;
    std::vector<std::pair<std::string_view, std::string_view>> merges;
    std::vector<J> ms = model["merges"].items();
    merges.reserve(ms.size());
    size_t rank = 0;
    for (J m : ms) {
      ++rank;
      if (auto s = m.str()) {
        if (s->starts_with("#version")) continue;
        size_t sp = s->find(' ');
        if (sp == std::string_view::npos || s->find(' ', sp + 1) != std::string_view::npos)
          return bad(src, "merge " + std::to_string(rank) + " is not \"left right\"");
        merges.emplace_back(s->substr(0, sp), s->substr(sp + 1));
      } else {
        std::vector<J> pair = m.items();
        if (pair.size() != 2 || !pair[0].str() || !pair[1].str())
          return bad(src, "merge " + std::to_string(rank) + " is not a [left, right] pair");
        merges.emplace_back(*pair[0].str(), *pair[1].str());
      }
    }
    BpeModel::Options o;
    o.flavor = BpeModel::Flavor::HuggingFace;
    o.ignore_merges = model.get_bool("ignore_merges", false);
    if (auto s = model["continuing_subword_prefix"].str()) o.continuing_subword_prefix = std::string(*s);
    if (auto s = model["end_of_word_suffix"].str()) o.end_of_word_suffix = std::string(*s);
    if (auto s = model["unk_token"].str()) o.unk_token = std::string(*s);
    o.fuse_unk = model.get_bool("fuse_unk", false);
    o.byte_fallback = model.get_bool("byte_fallback", false);
    if (auto d = model["dropout"].number(); d && *d > 0.0 && *d < 1.0)
      return bad(src, "BPE dropout is random; heft tokenizes deterministically (set dropout to null)");
    auto bpe = BpeModel::build(vocab, merges, o);
    if (!bpe) return bad(src, bpe.error().message);
    p.bpe = std::move(*bpe);
    if (o.unk_token) data->special.unk = vocab.find(*o.unk_token);
  } else if (mtype == "WordPiece") {
    data->kind = ModelKind::WordPiece;
    p.model = ModelKind::WordPiece;
    p.wordpiece.continuing_subword_prefix = model.get_string("continuing_subword_prefix", "##");
    p.wordpiece.max_input_chars_per_word =
        static_cast<size_t>(std::clamp<int64_t>(model["max_input_chars_per_word"].integer().value_or(100), 0, INT32_MAX));
    p.wordpiece.unk = vocab.find(model.get_string("unk_token", "[UNK]"));
    data->special.unk = p.wordpiece.unk;
  } else if (mtype == "WordLevel") {
    data->kind = ModelKind::WordLevel;
    p.model = ModelKind::WordLevel;
    p.wordlevel_unk = vocab.find(model.get_string("unk_token", "<unk>"));
    data->special.unk = p.wordlevel_unk;
  } else {
    data->kind = ModelKind::Unigram;
    p.model = ModelKind::Unigram;
    UnigramModel& u = p.unigram;
    u.scores = unigram_scores;
    u.min_score = unigram_scores.empty() ? 0.0 : *std::min_element(unigram_scores.begin(), unigram_scores.end());
    for (auto& [k, id] : entries) u.trie.insert(k, static_cast<int32_t>(id));
    if (auto uid = model["unk_id"].integer()) {
      if (*uid < 0 || *uid >= static_cast<int64_t>(unigram_scores.size())) return bad(src, "Unigram unk_id is outside the vocabulary");
      u.unk = static_cast<int32_t>(*uid);
    }
    u.byte_fallback = model.get_bool("byte_fallback", false);
    data->special.unk = u.unk;
  }

  // ---- post-processor ----
  auto token_id = [&](std::string_view text) { return p.find(vocab, text); };
  if (J pp = root["post_processor"]; !pp.is_null()) {
    p.post = HEFT_TRY(hf::parse_post_processor(pp, src));
    p.has_post = true;
  }
  for (int32_t id : p.post.prefix)
    if (!vocab.valid(id)) return bad(src, "post_processor adds id " + std::to_string(id) + ", outside the vocabulary");
  for (int32_t id : p.post.suffix)
    if (!vocab.valid(id)) return bad(src, "post_processor adds id " + std::to_string(id) + ", outside the vocabulary");
  if (root["truncation"].is_object() || root["padding"].is_object()) {
    // heft never truncates or pads; tokenizers would. Ignored deliberately.
  }

  // ---- special tokens from tokenizer_config.json / generation_config.json ----
  SpecialTokens& sp = data->special;
  std::set<int32_t> eog;
  if (!in.tokenizer_config.empty()) {
    auto cfg = util::Json::parse(in.tokenizer_config, "tokenizer_config.json");
    if (!cfg) return std::unexpected(cfg.error());
    auto id_of = [&](std::string_view key) -> int32_t {
      const util::Json* v = cfg->find(key);
      if (!v) return -1;
      if (v->is_string()) return token_id(v->as_string());
      if (v->is_object() && v->find("content") && v->find("content")->is_string())
        return token_id(v->find("content")->as_string());
      return -1;
    };
    if (int32_t v = id_of("bos_token"); v >= 0) sp.bos = v;
    if (int32_t v = id_of("eos_token"); v >= 0) sp.eos = v;
    if (int32_t v = id_of("unk_token"); v >= 0) sp.unk = v;
    if (int32_t v = id_of("pad_token"); v >= 0) sp.pad = v;
    if (int32_t v = id_of("sep_token"); v >= 0) sp.sep = v;
    if (int32_t v = id_of("cls_token"); v >= 0) sp.cls = v;
    if (int32_t v = id_of("mask_token"); v >= 0) sp.mask = v;
  }
  if (sp.cls < 0 && data->kind == ModelKind::WordPiece) sp.cls = token_id("[CLS]");
  if (sp.sep < 0 && data->kind == ModelKind::WordPiece) sp.sep = token_id("[SEP]");
  if (sp.mask < 0 && data->kind == ModelKind::WordPiece) sp.mask = token_id("[MASK]");
  if (sp.pad < 0 && data->kind == ModelKind::WordPiece) sp.pad = token_id("[PAD]");
  if (!in.generation_config.empty()) {
    if (auto g = util::Json::parse(in.generation_config, "generation_config.json")) {
      auto add = [&](const util::Json& v) {
        if (!v.is_integer() || v.as_int() < 0 || v.as_int() > INT32_MAX) return;
        auto id = static_cast<int32_t>(v.as_int());
        if (!vocab.valid(id)) return;
        eog.insert(id);
        if (sp.eos < 0) sp.eos = id;
      };
      if (const util::Json* e = g->find("eos_token_id")) {
        if (e->is_array())
          for (const util::Json& v : e->as_array()) add(v);
        else add(*e);
      }
      if (const util::Json* b = g->find("bos_token_id"); b && sp.bos < 0 && b->is_integer() && b->as_int() >= 0 &&
                                                         b->as_int() <= INT32_MAX && vocab.valid(static_cast<int32_t>(b->as_int())))
        sp.bos = static_cast<int32_t>(b->as_int());
    }
  }
  if (sp.eos >= 0) eog.insert(sp.eos);
  for (const AddedToken& a : p.added.tokens())
    if (is_eog_text(a.content)) eog.insert(a.id);
  for (std::string_view t : eot_texts())
    if (int32_t id = token_id(t); id >= 0) {
      sp.eot = id;
      eog.insert(id);
      break;
    }
  if (int32_t id = token_id("<|eom_id|>"); id >= 0) sp.eom = id, eog.insert(id);
  data->eog.assign(eog.begin(), eog.end());
  data->add_bos = !p.post.prefix.empty();
  data->add_eos = !p.post.suffix.empty();
  data->reference = Reference::HuggingFace;
  data->pre = "tokenizer.json";
  data->pipeline = std::move(pipe);
  return Tokenizer(std::move(data));
}

}  // namespace heft::tokenizer
