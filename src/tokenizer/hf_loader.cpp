#include "tokenizer/hf_loader.h"

#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "tokenizer/hf_pipeline.h"
#include "tokenizer/unicode.h"
#include "util/json.h"

namespace heft::tokenizer {

namespace {

namespace dom = simdjson::dom;

// Read-only view of a JSON value where every lookup may fail softly.
class J {
 public:
  J() = default;
  explicit J(dom::element e) : e_(e), ok_(true) {}
  bool ok() const { return ok_; }
  bool is_null() const { return !ok_ || e_.is_null(); }
  bool is_object() const { return ok_ && e_.is_object(); }
  bool is_array() const { return ok_ && e_.is_array(); }
  bool is_string() const { return ok_ && e_.is_string(); }
  J operator[](std::string_view key) const {
    if (!is_object()) return {};
    dom::element v;
    if (e_.at_key(key).get(v) != simdjson::SUCCESS) return {};
    return J(v);
  }
  std::optional<std::string_view> str() const {
    std::string_view s;
    if (!ok_ || e_.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
    return s;
  }
  std::optional<bool> boolean() const {
    bool b;
    if (!ok_ || e_.get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
    return b;
  }
  std::optional<int64_t> integer() const {
    if (!ok_) return std::nullopt;
    int64_t i;
    if (e_.get_int64().get(i) == simdjson::SUCCESS) return i;
    uint64_t u;
    if (e_.get_uint64().get(u) == simdjson::SUCCESS) return u > 0x7FFFFFFFFFFFFFFFull ? INT64_MAX : int64_t(u);
    return std::nullopt;
  }
  std::optional<double> number() const {
    if (!ok_) return std::nullopt;
    double d;
    if (e_.get_double().get(d) == simdjson::SUCCESS) return d;
    if (auto i = integer()) return static_cast<double>(*i);
    return std::nullopt;
  }
  std::vector<J> items() const {
    std::vector<J> out;
    if (!is_array()) return out;
    for (dom::element x : dom::array(e_)) out.emplace_back(x);
    return out;
  }
  template <class F>
  void members(F&& f) const {
    if (!is_object()) return;
    for (dom::key_value_pair kv : dom::object(e_)) f(kv.key, J(kv.value));
  }
  bool get_bool(std::string_view key, bool fallback) const { return (*this)[key].boolean().value_or(fallback); }
  std::string get_string(std::string_view key, std::string fallback = {}) const {
    auto s = (*this)[key].str();
    return s ? std::string(*s) : fallback;
  }

 private:
  dom::element e_;
  bool ok_ = false;
};

using Fail = std::unexpected<util::Error>;

Fail bad(const std::string& source, std::string msg) { return util::fail(std::move(msg), source); }

std::optional<std::string> base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// {"String": s} or {"Regex": r}: a compiled regex for both (literals escaped),
// plus the literal itself for String patterns.
util::Result<std::pair<std::string, std::shared_ptr<Regex>>> parse_pattern(J p, const std::string& source,
                                                                           bool want_regex_for_string) {
  if (auto s = p["String"].str()) {
    std::shared_ptr<Regex> re;
    if (want_regex_for_string) {
      auto r = Regex::compile(regex_escape(*s), RegexDialect::Onig);
      if (!r) return bad(source, r.error().message);
      re = std::make_shared<Regex>(std::move(*r));
    }
    return std::pair{std::string(*s), re};
  }
  if (auto r = p["Regex"].str()) {
    auto re = Regex::compile(*r, RegexDialect::Onig);
    if (!re) return bad(source, re.error().message);
    return std::pair{std::string(), std::make_shared<Regex>(std::move(*re))};
  }
  return bad(source, "pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

util::Result<SplitBehavior> parse_behavior(J b, const std::string& source, SplitBehavior fallback) {
  auto s = b.str();
  if (!s) return fallback;
  if (*s == "Removed") return SplitBehavior::Removed;
  if (*s == "Isolated") return SplitBehavior::Isolated;
  if (*s == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (*s == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (*s == "Contiguous") return SplitBehavior::Contiguous;
  return bad(source, "unknown split behavior '" + std::string(*s) + "'");
}

util::Result<void> parse_normalizer(J n, Normalizer& out, const std::string& source, int depth = 0) {
  if (n.is_null()) return {};
  if (depth > 32) return bad(source, "normalizer nesting is too deep");
  std::string type = n.get_string("type");
  using K = NormalizerStep::Kind;
  NormalizerStep st;
  if (type == "Sequence") {
    for (J item : n["normalizers"].items()) HEFT_TRY(parse_normalizer(item, out, source, depth + 1));
    return {};
  }
  if (type == "NFC") st.kind = K::NFC;
  else if (type == "NFD") st.kind = K::NFD;
  else if (type == "NFKC") st.kind = K::NFKC;
  else if (type == "NFKD") st.kind = K::NFKD;
  else if (type == "Lowercase") st.kind = K::Lowercase;
  else if (type == "StripAccents") st.kind = K::StripAccents;
  else if (type == "Nmt") st.kind = K::Nmt;
  else if (type == "ByteLevel") st.kind = K::ByteLevel;
  else if (type == "Strip") {
    st.kind = K::Strip;
    st.strip_left = n.get_bool("strip_left", false);
    st.strip_right = n.get_bool("strip_right", false);
  } else if (type == "Replace") {
    st.kind = K::Replace;
    auto pat = HEFT_TRY(parse_pattern(n["pattern"], source, false));
    st.pattern = pat.first;
    st.regex = pat.second;
    st.content = n.get_string("content");
  } else if (type == "Prepend") {
    st.kind = K::Prepend;
    st.content = n.get_string("prepend");
  } else if (type == "BertNormalizer") {
    st.kind = K::Bert;
    st.clean_text = n.get_bool("clean_text", true);
    st.handle_chinese_chars = n.get_bool("handle_chinese_chars", true);
    st.lowercase = n.get_bool("lowercase", true);
    auto sa = n["strip_accents"].boolean();
    st.strip_accents = sa ? (*sa ? 1 : 0) : -1;
  } else if (type == "Precompiled") {
    st.kind = K::Precompiled;
    auto b64 = n["precompiled_charsmap"].str();
    if (b64 && !b64->empty()) {
      auto blob = base64_decode(*b64);
      if (!blob) return bad(source, "precompiled_charsmap is not valid base64");
      auto cm = CharsMap::parse({reinterpret_cast<const uint8_t*>(blob->data()), blob->size()});
      if (!cm) return bad(source, cm.error().message);
      st.charsmap = std::make_shared<CharsMap>(std::move(*cm));
    }
  } else {
    return bad(source, "unsupported normalizer type '" + type + "'");
  }
  out.add(std::move(st));
  return {};
}

util::Result<void> parse_pre_tokenizer(J n, PreTokenizer& out, const std::string& source, int depth = 0) {
  if (n.is_null()) return {};
  if (depth > 32) return bad(source, "pre_tokenizer nesting is too deep");
  std::string type = n.get_string("type");
  using K = PreTokenizerStep::Kind;
  PreTokenizerStep st;
  if (type == "Sequence") {
    for (J item : n["pretokenizers"].items()) HEFT_TRY(parse_pre_tokenizer(item, out, source, depth + 1));
    return {};
  }
  if (type == "Split") {
    st.kind = K::Split;
    auto pat = HEFT_TRY(parse_pattern(n["pattern"], source, true));
    st.regex = pat.second;
    st.behavior = HEFT_TRY(parse_behavior(n["behavior"], source, SplitBehavior::Isolated));
    st.invert = n.get_bool("invert", false);
  } else if (type == "ByteLevel") {
    st.kind = K::ByteLevel;
    st.add_prefix_space = n.get_bool("add_prefix_space", true);
    st.use_regex = n.get_bool("use_regex", true);
  } else if (type == "Metaspace") {
    st.kind = K::Metaspace;
    st.replacement = n.get_string("replacement", "\xE2\x96\x81");
    if (st.replacement.empty() || !unicode::is_valid_utf8(st.replacement)) return bad(source, "Metaspace replacement must be one character");
    std::string scheme = n.get_string("prepend_scheme", "always");
    if (scheme == "first") st.prepend = PreTokenizerStep::Prepend::First;
    else if (scheme == "never") st.prepend = PreTokenizerStep::Prepend::Never;
    else st.prepend = PreTokenizerStep::Prepend::Always;
    if (n["add_prefix_space"].boolean() == std::optional<bool>(false)) st.prepend = PreTokenizerStep::Prepend::Never;
    st.split = n.get_bool("split", true);
  } else if (type == "Whitespace") {
    st.kind = K::Whitespace;
  } else if (type == "WhitespaceSplit") {
    st.kind = K::WhitespaceSplit;
  } else if (type == "BertPreTokenizer") {
    st.kind = K::Bert;
  } else if (type == "Digits") {
    st.kind = K::Digits;
    st.individual_digits = n.get_bool("individual_digits", false);
  } else if (type == "Punctuation") {
    st.kind = K::Punctuation;
    st.behavior = HEFT_TRY(parse_behavior(n["behavior"], source, SplitBehavior::Isolated));
  } else if (type == "CharDelimiterSplit") {
    st.kind = K::CharDelimiter;
    st.delimiter = n.get_string("delimiter");
  } else if (type == "FixedLength") {
    st.kind = K::FixedLength;
    st.length = static_cast<size_t>(std::clamp<int64_t>(n["length"].integer().value_or(5), 1, 1 << 20));
  } else {
    return bad(source, "unsupported pre_tokenizer type '" + type + "'");
  }
  out.add(std::move(st));
  return {};
}

util::Result<void> parse_decoder(J n, Decoder& out, const std::string& source, int depth = 0) {
  if (n.is_null()) return {};
  if (depth > 32) return bad(source, "decoder nesting is too deep");
  std::string type = n.get_string("type");
  using K = DecoderStep::Kind;
  DecoderStep st;
  if (type == "Sequence") {
    for (J item : n["decoders"].items()) HEFT_TRY(parse_decoder(item, out, source, depth + 1));
    return {};
  }
  if (type == "ByteLevel") st.kind = K::ByteLevel;
  else if (type == "ByteFallback") st.kind = K::ByteFallback;
  else if (type == "Fuse") st.kind = K::Fuse;
  else if (type == "Metaspace") {
    st.kind = K::Metaspace;
    st.replacement = n.get_string("replacement", "\xE2\x96\x81");
    std::string scheme = n.get_string("prepend_scheme", "always");
    st.prepend_never = scheme == "never" || n["add_prefix_space"].boolean() == std::optional<bool>(false);
  } else if (type == "WordPiece") {
    st.kind = K::WordPiece;
    st.prefix = n.get_string("prefix", "##");
    st.cleanup = n.get_bool("cleanup", true);
  } else if (type == "BPEDecoder") {
    st.kind = K::Bpe;
    st.prefix = n.get_string("suffix", "</w>");
  } else if (type == "CTC") {
    st.kind = K::Ctc;
    st.pad_token = n.get_string("pad_token", "<pad>");
    st.word_delimiter = n.get_string("word_delimiter_token", "|");
    st.cleanup = n.get_bool("cleanup", true);
  } else if (type == "Replace") {
    st.kind = K::Replace;
    auto pat = HEFT_TRY(parse_pattern(n["pattern"], source, false));
    st.pattern = pat.first;
    st.regex = pat.second;
    st.content = n.get_string("content");
  } else if (type == "Strip") {
    st.kind = K::Strip;
    st.content = n.get_string("content", " ");
    st.start = static_cast<size_t>(std::clamp<int64_t>(n["start"].integer().value_or(0), 0, 1 << 20));
    st.stop = static_cast<size_t>(std::clamp<int64_t>(n["stop"].integer().value_or(0), 0, 1 << 20));
  } else {
    return bad(source, "unsupported decoder type '" + type + "'");
  }
  out.add(std::move(st));
  return {};
}

// simdjson refuses integers beyond 64 bits; such literals (outside strings)
// are read as floats instead, as JavaScript readers of these files do.
std::string widen_big_integers(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) out.push_back(text[++i]);
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c < '0' || c > '9') {
      out.push_back(c);
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    out.append(text.substr(i, j - i));
    if (j - i > 19 && (j >= text.size() || (text[j] != '.' && text[j] != 'e' && text[j] != 'E'))) out += ".0";
    i = j - 1;
  }
  return out;
}

}  // namespace

util::Result<Tokenizer> tokenizer_from_hf(const HfSources& in) {
  const std::string& src = in.source;
  dom::parser parser;
  simdjson::padded_string padded(in.tokenizer_json);
  dom::element root_el;
  auto err = parser.parse(padded).get(root_el);
  if (err == simdjson::NUMBER_ERROR) {
    padded = simdjson::padded_string(widen_big_integers(in.tokenizer_json));
    err = parser.parse(padded).get(root_el);
  }
  if (err != simdjson::SUCCESS) return bad(src, std::string("invalid JSON: ") + simdjson::error_message(err));
  J root(root_el);
  if (!root.is_object()) return bad(src, "tokenizer.json must hold a JSON object");

  auto data = std::make_shared<TokenizerData>();
  auto pipe = std::make_unique<HfPipeline>();
  HfPipeline& p = *pipe;
  Vocab& vocab = data->vocab;

  HEFT_TRY(parse_normalizer(root["normalizer"], p.normalizer, src));
  HEFT_TRY(parse_pre_tokenizer(root["pre_tokenizer"], p.pre_tokenizer, src));
  HEFT_TRY(parse_decoder(root["decoder"], p.decoder, src));

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
  std::function<util::Result<PostProcessor>(J, int)> parse_post = [&](J n, int depth) -> util::Result<PostProcessor> {
    PostProcessor pp;
    if (depth > 32) return bad(src, "post_processor nesting is too deep");
    std::string type = n.get_string("type");
    auto pair_id = [&](J v) -> int32_t {
      std::vector<J> pr = v.items();
      if (pr.size() == 2) {
        if (auto i = pr[1].integer(); i && *i >= 0 && *i <= INT32_MAX) return static_cast<int32_t>(*i);
      }
      return -1;
    };
    if (type == "TemplateProcessing") {
      std::map<std::string, std::vector<int32_t>, std::less<>> specials;
      n["special_tokens"].members([&](std::string_view name, J v) {
        std::vector<int32_t> ids;
        for (J i : v["ids"].items())
          if (auto x = i.integer(); x && *x >= 0 && *x <= INT32_MAX) ids.push_back(static_cast<int32_t>(*x));
        specials[std::string(name)] = std::move(ids);
      });
      bool seen_seq = false;
      for (J piece : n["single"].items()) {
        std::string special_name;
        bool is_seq = false;
        if (J s = piece["SpecialToken"]; s.is_object()) special_name = s.get_string("id");
        else if (piece["Sequence"].is_object()) is_seq = true;
        else if (auto str = piece.str()) {  // string form: "$A", "[CLS]", "[CLS]:1"
          std::string_view t = *str;
          if (t.starts_with("$")) is_seq = true;
          else special_name = std::string(t.substr(0, t.find(':')));
        }
        if (is_seq) {
          seen_seq = true;
          continue;
        }
        auto it = specials.find(special_name);
        if (it == specials.end()) return bad(src, "TemplateProcessing uses '" + special_name + "', which is not in special_tokens");
        auto& dst = seen_seq ? pp.suffix : pp.prefix;
        dst.insert(dst.end(), it->second.begin(), it->second.end());
      }
    } else if (type == "BertProcessing" || type == "RobertaProcessing") {
      int32_t cls = pair_id(n["cls"]), sep = pair_id(n["sep"]);
      if (cls < 0 || sep < 0) return bad(src, type + " needs cls and sep as [token, id]");
      pp.prefix = {cls};
      pp.suffix = {sep};
    } else if (type == "ByteLevel") {
      // offsets only
    } else if (type == "Sequence") {
      for (J item : n["processors"].items()) {
        PostProcessor inner = HEFT_TRY(parse_post(item, depth + 1));
        pp.wrap(inner);
      }
    } else {
      return bad(src, "unsupported post_processor type '" + type + "'");
    }
    return pp;
  };
  if (J pp = root["post_processor"]; !pp.is_null()) {
    p.post = HEFT_TRY(parse_post(pp, 0));
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
