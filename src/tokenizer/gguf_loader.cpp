#include "tokenizer/gguf_loader.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "tokenizer/llama_pipeline.h"
#include "tokenizer/special_partition.h"

namespace heft::tokenizer {

namespace {

using formats::Metadata;
using formats::MetaValue;
using formats::ValueType;

constexpr std::string_view kPrefix = "tokenizer.ggml.";

std::string key(std::string_view k) { return std::string(kPrefix) + std::string(k); }

bool contains(std::string_view s, std::string_view sub) { return s.find(sub) != std::string_view::npos; }

const MetaValue* find_array(const Metadata& md, std::string_view k) {
  const MetaValue* v = md.find(key(k));
  return v && v->is_array() ? v : nullptr;
}

}  // namespace

util::Result<Tokenizer> tokenizer_from_gguf(const Metadata& md, const std::string& source) {
  auto fail = [&](std::string msg) { return util::fail(std::move(msg), source); };

  auto model = md.get_string(key("model"));
  if (!model) return fail("no tokenizer in this file (tokenizer.ggml.model is missing)");
  std::string pre_name = md.get_string(key("pre")).value_or("");

  auto data = std::make_shared<TokenizerData>();
  auto pipe = std::make_unique<LlamaPipeline>();
  LlamaPipeline& p = *pipe;
  SpecialTokens& sp = data->special;
  std::optional<GgufPreConfig> pre_cfg;
  bool add_sep = false;
  bool remove_extra_ws = false;

  if (*model == "no_vocab" || *model == "none") return fail("the model has no vocabulary");
  if (*model == "llama") {
    p.kind = LlamaPipeline::Kind::Spm;
    data->kind = ModelKind::Spm;
    sp.bos = 1, sp.eos = 2, sp.unk = 0;
    p.add_space_prefix = true, p.clean_spaces = false, p.add_bos = true, p.add_eos = false;
    p.escape_whitespaces = true;
  } else if (*model == "bert") {
    p.kind = LlamaPipeline::Kind::Wpm;
    data->kind = ModelKind::WordPiece;
    sp.bos = 101, sp.unk = 100, sp.sep = 102, sp.pad = 0, sp.mask = 103;
    p.add_space_prefix = false, p.clean_spaces = true, p.add_bos = true, p.add_eos = false;
    add_sep = true;
  } else if (*model == "gpt2" || *model == "whitespace" || *model == "gemma4") {
    p.kind = LlamaPipeline::Kind::Bpe;
    data->kind = ModelKind::Bpe;
    if (*model == "gemma4") pre_name = "gemma4";
    else sp.bos = 11, sp.eos = 11;
    auto cfg = gguf_pre_config(pre_name);
    if (!cfg) return fail(cfg.error().message);
    pre_cfg = *cfg;
    p.add_space_prefix = false;
    p.escape_whitespaces = cfg->escape_whitespaces;
    p.clean_spaces = cfg->clean_spaces;
    p.add_bos = cfg->add_bos.value_or(false);
    add_sep = cfg->add_sep;
    if (cfg->bos_none) sp.bos = -1;
    p.whitespace_model = *model == "whitespace";
    p.gemma4_newlines = cfg->type == "gemma4";
  } else if (*model == "t5") {
    p.kind = LlamaPipeline::Kind::Ugm;
    data->kind = ModelKind::Unigram;
    sp.eos = 1, sp.unk = 2, sp.pad = 0;
    p.add_bos = false, p.add_eos = true;
  } else {
    return fail("unsupported tokenizer model '" + *model + "' (heft supports llama, gpt2, bert, t5, gemma4, whitespace)");
  }
  if (auto v = md.get_bool(key("add_space_prefix"))) p.add_space_prefix = *v;
  if (auto v = md.get_bool(key("remove_extra_whitespaces"))) remove_extra_ws = *v;

  // ---- tokens, scores, types ----
  const MetaValue* tokens = find_array(md, "tokens");
  if (!tokens || tokens->elem_type != ValueType::String) return fail("tokenizer.ggml.tokens is missing or not a string array");
  const size_t n = tokens->strings.size();
  if (n == 0) return fail("tokenizer.ggml.tokens is empty");
  if (n > (size_t(1) << 31) - 1) return fail("too many tokens");
  const MetaValue* scores = find_array(md, "scores");
  if (scores) {
    if (scores->elem_type != ValueType::F32 && scores->elem_type != ValueType::I32)
      return fail("tokenizer.ggml.scores must be a FLOAT32 or INT32 array");
    if (scores->count < n) return fail("tokenizer.ggml.scores has fewer entries than there are tokens");
  }
  const MetaValue* types = find_array(md, "token_type");
  if (types) {
    if (types->elem_type != ValueType::I32) return fail("tokenizer.ggml.token_type must be an INT32 array");
    if (types->count < n) return fail("tokenizer.ggml.token_type has fewer entries than there are tokens");
  }
  Vocab& vocab = data->vocab;
  for (size_t i = 0; i < n; ++i) {
    std::string word = tokens->strings[i];
    if (word.empty()) word = "[EMPTY_" + std::to_string(i) + "]";
    float score = scores ? static_cast<float>(scores->float_at(i)) : 0.0f;
    TokenType type = TokenType::Normal;
    if (types) {
      int64_t t = types->int_at(i);
      type = (t >= 1 && t <= 6) ? static_cast<TokenType>(t) : TokenType::Undefined;
    }
    vocab.add(std::move(word), score, type);
  }
  vocab.index(/*last_wins=*/true);

  // ---- special ids ----
  struct Slot {
    const char* name;
    int32_t* id;
  };
  int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;
  const Slot slots[] = {
      {"bos_token_id", &sp.bos},         {"eos_token_id", &sp.eos},         {"eot_token_id", &sp.eot},
      {"eom_token_id", &sp.eom},         {"unknown_token_id", &sp.unk},     {"seperator_token_id", &sp.sep},
      {"padding_token_id", &sp.pad},     {"mask_token_id", &sp.mask},       {"cls_token_id", &sp.cls},
      {"fim_pre_token_id", &fim_pre},    {"fim_suf_token_id", &fim_suf},    {"fim_mid_token_id", &fim_mid},
      {"fim_pad_token_id", &fim_pad},    {"fim_rep_token_id", &fim_rep},    {"fim_sep_token_id", &fim_sep},
      {"prefix_token_id", &fim_pre},     {"suffix_token_id", &fim_suf},     {"middle_token_id", &fim_mid},
  };
  for (const Slot& s : slots) {
    if (*s.id >= 0 && static_cast<size_t>(*s.id) >= n) *s.id = -1;  // default out of range: disabled
    auto v = md.get_int(key(s.name));
    if (!v || *v < 0 || *v > 0xFFFFFFFFll) continue;
    if (static_cast<size_t>(*v) < n) *s.id = static_cast<int32_t>(*v);  // else: keep the default, as llama.cpp does
  }

  if (auto v = md.get_bool(key("add_bos_token"))) p.add_bos = *v;
  if (auto v = md.get_bool(key("add_eos_token"))) p.add_eos = *v;
  if (auto v = md.get_bool(key("add_sep_token"))) add_sep = *v;
  if (pre_cfg && pre_cfg->type == "gemma4") p.add_bos = true;

  bool lowercase = !(pre_cfg && pre_cfg->type == "whitespace");  // BertNormalizer defaults
  if (auto v = md.get_bool(key("normalizer.lowercase"))) lowercase = *v;
  bool strip_accents = lowercase;
  if (auto v = md.get_bool(key("normalizer.strip_accents"))) strip_accents = *v;
  p.wpm = {lowercase, strip_accents};
  p.lowercase = lowercase;

  // ---- auto-detected special tokens (llama.cpp matches token texts) ----
  auto mark_control = [&](int32_t id) { vocab.set_flags(id, vocab.flags(id) | kFlagControl); };
  // llama.cpp takes whichever listed text its hash map yields first; heft takes the first listed text present.
  auto detect = [&](int32_t& slot, std::initializer_list<std::string_view> texts) {
    if (slot >= 0) return;
    for (std::string_view t : texts) {
      int32_t id = vocab.find(t);
      if (id < 0) continue;
      slot = id;
      if (!vocab.is_control(id)) mark_control(id);
      return;
    }
  };
  {
    int32_t eot = sp.eot;
    for (std::string_view t : eot_texts()) {
      if (eot >= 0) break;
      int32_t id = vocab.find(t);
      if (id >= 0) {
        eot = id;
        if (!vocab.is_control(id)) mark_control(id);
      }
    }
    sp.eot = eot;
  }
  detect(sp.eom, {"<|eom_id|>"});
  detect(fim_pre, {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>",
                   "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>"});
  detect(fim_suf, {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "hole\xEF\xBD\x9C>",
                   "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>"});
  detect(fim_mid, {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>",
                   "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>"});
  detect(fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"});
  detect(fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"});
  detect(fim_sep, {"<|file_sep|>"});

  for (int32_t id = 0; id < static_cast<int32_t>(n); ++id)
    if (vocab.is_control(id) && contains(vocab.text(id), "unused")) vocab.set_flags(id, vocab.flags(id) | kFlagUnused);

  // ---- end-of-generation set ----
  std::set<int32_t> eog;
  for (int32_t id : {fim_pad, fim_rep, fim_sep})
    if (id >= 0) eog.insert(id);
  for (int32_t id = 0; id < static_cast<int32_t>(n); ++id) {
    if (vocab.find(vocab.text(id)) != id) continue;  // llama.cpp walks text -> id
    if (is_eog_text(vocab.text(id))) {
      eog.insert(id);
      if (!vocab.is_control(id)) mark_control(id);
    }
  }
  for (std::string_view t : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {  // gpt-oss
    int32_t id = vocab.find(t);
    if (id >= 0) {
      vocab.set_type(id, TokenType::UserDefined);
      vocab.set_flags(id, vocab.flags(id) & ~(kFlagControl | kFlagUnused));
    }
  }
  for (int32_t id : {sp.eos, sp.eot, sp.eom})
    if (id >= 0) eog.insert(id);
  {
    bool has_return = false, has_call = false, has_end = false, has_flush = false;
    int32_t end_id = -1;
    for (int32_t id : eog) {
      const std::string& t = vocab.text(id);
      if (t == "<|return|>") has_return = true;
      else if (t == "<|call|>" || t == "<|calls|>") has_call = true;
      else if (t == "<|flush|>") has_flush = true;
      else if (t == "<|end|>") has_end = true, end_id = id;
    }
    if ((has_return && has_call && has_end) || (has_call && has_flush && has_end)) {
      eog.erase(end_id);
      vocab.set_type(end_id, TokenType::UserDefined);
      vocab.set_flags(end_id, vocab.flags(end_id) & ~(kFlagControl | kFlagUnused));
    }
    bool has_tool_response = false;
    int32_t s_id = -1;
    for (int32_t id : eog) {
      if (vocab.text(id) == "<|tool_response>") has_tool_response = true;
      else if (vocab.text(id) == "</s>") s_id = id;
    }
    if (has_tool_response && s_id >= 0) {
      eog.erase(s_id);
      vocab.set_type(s_id, TokenType::Normal);
      vocab.set_flags(s_id, vocab.flags(s_id) & ~(kFlagControl | kFlagUnused));
    }
  }
  data->eog.assign(eog.begin(), eog.end());

  p.specials = special_token_order(vocab);

  // ---- per-model token attributes llama.cpp hard-codes ----
  std::string name = md.get_string("general.name").value_or("");
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string arch = md.get_string("general.architecture").value_or("");
  auto set_flag = [&](int32_t id, uint8_t f, bool on) {
    if (id >= 0) vocab.set_flags(id, on ? (vocab.flags(id) | f) : (vocab.flags(id) & ~f));
  };
  if (contains(pre_name, "jina-v2-de") || contains(pre_name, "jina-v2-es") || contains(pre_name, "jina-v2-code") ||
      contains(arch, "nomic-bert-moe") || contains(arch, "jina-bert-v3")) {
    set_flag(vocab.find("<mask>"), kFlagLstrip, true);
  } else if (contains(name, "phi-3") || contains(name, "phi3")) {
    for (int32_t id : p.specials) set_flag(id, kFlagRstrip, true);
    set_flag(vocab.find("</s>"), kFlagRstrip, true);
    for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set_flag(vocab.find(t), kFlagRstrip, false);
  } else if (contains(name, "modern-bert")) {
    set_flag(vocab.find("[MASK]"), kFlagLstrip, true);
  }

  // ---- the algorithm ----
  if (p.kind == LlamaPipeline::Kind::Bpe) {
    std::vector<std::pair<std::string_view, std::string_view>> merges;
    const MetaValue* mv = md.find(key("merges"));
    if (mv) {
      if (!mv->is_array() || mv->elem_type != ValueType::String)
        return fail("tokenizer.ggml.merges is not a string array");
      merges.reserve(mv->strings.size());
      for (const std::string& m : mv->strings) {
        std::string_view mv_s = m;
        size_t pos = mv_s.size() > 1 ? mv_s.find(' ', 1) : std::string_view::npos;
        if (pos == std::string_view::npos) merges.emplace_back();
        else merges.emplace_back(mv_s.substr(0, pos), mv_s.substr(pos + 1));
      }
    } else if (pre_cfg->type != "kimi-k2") {
      return fail("cannot find tokenizer merges in model file");
    }
    BpeModel::Options o;
    o.flavor = BpeModel::Flavor::LlamaCpp;
    o.ignore_merges = pre_cfg->ignore_merges;
    o.byte_encoded = pre_cfg->byte_encode;
    auto bpe = BpeModel::build(vocab, merges, o);
    if (!bpe) return fail(bpe.error().message);
    p.bpe = std::move(*bpe);
    auto pre = GgufPreTokenizer::build(*pre_cfg);
    if (!pre) return fail(pre.error().message);
    p.pre = std::move(*pre);
  } else if (p.kind == LlamaPipeline::Kind::Ugm) {
    std::shared_ptr<CharsMap> charsmap;
    if (const MetaValue* cm = md.find(key("precompiled_charsmap"))) {
      if (!cm->is_array() || (cm->elem_type != ValueType::U8 && cm->elem_type != ValueType::I8))
        return fail("tokenizer.ggml.precompiled_charsmap must be a UINT8 or INT8 array");
      auto parsed = CharsMap::parse(cm->packed);
      if (!parsed) return fail(parsed.error().message);
      charsmap = std::make_shared<CharsMap>(std::move(*parsed));
    }
    UgmModel ugm = UgmModel::build(vocab, charsmap);
    ugm.unk = sp.unk;
    ugm.escape_whitespaces = p.escape_whitespaces;
    ugm.add_space_prefix = p.add_space_prefix;
    ugm.remove_extra_whitespaces = remove_extra_ws;
    p.ugm = std::move(ugm);
  }

  p.bos = sp.bos, p.eos = sp.eos, p.unk = sp.unk, p.sep = sp.sep;
  data->add_bos = p.add_bos;
  data->add_eos = p.kind == LlamaPipeline::Kind::Wpm ? add_sep : p.add_eos;
  data->reference = Reference::LlamaCpp;
  data->pre = pre_cfg ? pre_cfg->type : pre_name;
  data->pipeline = std::move(pipe);
  return Tokenizer(std::move(data));
}

}  // namespace heft::tokenizer
