#include "tokenizer/hf_components.h"

#include <algorithm>
#include <map>

#include "tokenizer/charsmap.h"
#include "tokenizer/unicode.h"

namespace heft::tokenizer::hf {

namespace {

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

}  // namespace

util::Result<void> parse_normalizer(J n, Normalizer& out, const std::string& source, int depth) {
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

util::Result<void> parse_pre_tokenizer(J n, PreTokenizer& out, const std::string& source, int depth) {
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

util::Result<void> parse_decoder(J n, Decoder& out, const std::string& source, int depth) {
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

util::Result<PostProcessor> parse_post_processor(J n, const std::string& source, int depth) {
  PostProcessor pp;
  if (depth > 32) return bad(source, "post_processor nesting is too deep");
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
      if (it == specials.end()) return bad(source, "TemplateProcessing uses '" + special_name + "', which is not in special_tokens");
      auto& dst = seen_seq ? pp.suffix : pp.prefix;
      dst.insert(dst.end(), it->second.begin(), it->second.end());
    }
  } else if (type == "BertProcessing" || type == "RobertaProcessing") {
    int32_t cls = pair_id(n["cls"]), sep = pair_id(n["sep"]);
    if (cls < 0 || sep < 0) return bad(source, type + " needs cls and sep as [token, id]");
    pp.prefix = {cls};
    pp.suffix = {sep};
  } else if (type == "ByteLevel") {
    // offsets only
  } else if (type == "Sequence") {
    for (J item : n["processors"].items()) {
      PostProcessor inner = HEFT_TRY(parse_post_processor(item, source, depth + 1));
      pp.wrap(inner);
    }
  } else {
    return bad(source, "unsupported post_processor type '" + type + "'");
  }
  return pp;
}

}  // namespace heft::tokenizer::hf
