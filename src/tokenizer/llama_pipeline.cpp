#include "tokenizer/llama_pipeline.h"

#include "tokenizer/special_partition.h"
#include "tokenizer/spm.h"
#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";

void escape_spaces(std::string& s) {
  if (s.find(' ') == std::string::npos) return;
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    if (c == ' ') out += kSpaceMark;
    else out.push_back(c);
  }
  s = std::move(out);
}

std::string unescape_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s.substr(i, 3) == kSpaceMark) {
      out.push_back(' ');
      i += 3;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// token_to_byte: "<0xNN>" -> NN (llama.cpp reads characters 3-4 as hex).
std::string byte_piece(const std::string& text) {
  if (text.size() < 5) return {};
  int hi = hex_digit(text[3]), lo = hex_digit(text[4]);
  if (hi < 0) return {};
  int v = lo < 0 ? hi : hi * 16 + lo;  // strtol stops at the first non-hex character
  return std::string(1, static_cast<char>(v));
}

// llama_decode_text: GPT-2 alphabet characters back to bytes.
std::string alphabet_to_bytes(const std::string& text) {
  std::string out;
  for (uint32_t cp : unicode::codepoints_lenient(text)) {
    int b = unicode::codepoint_to_byte(cp);
    if (b >= 0) {
      out.push_back(static_cast<char>(b));
      continue;
    }
    std::string utf8 = unicode::to_utf8(cp);
    out += "[UNK_BYTE_0x";
    static const char* hex = "0123456789abcdef";
    for (char c : utf8) {
      out.push_back(hex[static_cast<uint8_t>(c) >> 4]);
      out.push_back(hex[static_cast<uint8_t>(c) & 15]);
    }
    out += text + "]";
  }
  return out;
}

// detokenize's clean_spaces passes, byte for byte as llama.cpp does them.
void clean_up_spaces(std::string& text) {
  size_t total = text.size();
  if (total == 0) return;
  // 1: " ?", " !", " .", " ," lose their space
  size_t t1 = total;
  total = 1;
  for (size_t i = 1; i < t1; ++i) {
    char x = text[i];
    if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;
    text[total++] = x;
  }
  // 2: a lone apostrophe between spaces loses both spaces
  size_t t2 = total;
  total = 1;
  for (size_t i = 1; i < t2; ++i) {
    char x = text[i];
    if (x == '\'' && i + 1 < t2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
      --total;
      text[++i] = '\0';
    }
    text[total++] = x;
  }
  // 3: " 's", " 'm", " 're", " 've" lose their space
  size_t t3 = total;
  total = 1;
  for (size_t i = 1; i < t3; ++i) {
    char x = text[i];
    if (text[i - 1] == ' ' && x == '\'' && i + 1 < t3) {
      char x1 = text[i + 1];
      if (x1 == 's' || x1 == 'm') {
        --total;
      } else if (i + 2 < t3) {
        char x2 = text[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;
      }
    }
    text[total++] = x;
  }
  text.resize(total);
}

}  // namespace

void LlamaPipeline::encode_bpe_text(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const {
  auto run = [&](std::string_view segment) {
    for (const std::string& word : pre->split(segment)) {
      if (gemma4_newlines && !word.empty() && word.find_first_not_of('\n') == std::string::npos) {
        int32_t id = vocab.find(word);
        if (id >= 0) {
          out.push_back(id);
          continue;
        }
      }
      bpe->tokenize(vocab, word, out);
    }
  };
  if (!whitespace_model) {
    if (escape_whitespaces) {
      std::string t(text);
      escape_spaces(t);
      run(t);
    } else {
      run(text);
    }
    return;
  }
  // "whitespace" models: whitespace separates words and is dropped.
  std::string segment;
  for (uint32_t cp : unicode::codepoints_lenient(text)) {
    if (unicode::is_whitespace(cp)) {
      if (!segment.empty()) run(segment), segment.clear();
    } else {
      unicode::append_utf8(segment, lowercase ? unicode::to_lower_simple(cp) : cp);
    }
  }
  if (!segment.empty()) run(segment);
}

void LlamaPipeline::encode(const Vocab& vocab, std::string_view text, const EncodeOptions& opt,
                           std::vector<int32_t>& out) const {
  std::vector<Fragment> frags = partition_special(text, vocab, specials, opt.parse_special);
  auto fragment_text = [&](const Fragment& f) { return text.substr(f.offset, f.length); };
  switch (kind) {
    case Kind::Spm: {
      bool prev_special = true;  // the first fragment gets the space prefix too
      if (opt.add_special && add_bos && bos >= 0) out.push_back(bos);
      for (const Fragment& f : frags) {
        if (f.token >= 0) {
          out.push_back(f.token);
          prev_special = true;
          continue;
        }
        std::string t;
        if (add_space_prefix && prev_special) t = " ";
        t += fragment_text(f);
        escape_spaces(t);
        spm_tokenize(vocab, t, unk, out);
        prev_special = false;
      }
      if (opt.add_special && add_eos && eos >= 0) out.push_back(eos);
      break;
    }
    case Kind::Bpe: {
      if (opt.add_special && add_bos && bos >= 0) out.push_back(bos);
      for (const Fragment& f : frags) {
        if (f.token >= 0) out.push_back(f.token);
        else encode_bpe_text(vocab, fragment_text(f), out);
      }
      if (opt.add_special && add_eos && eos >= 0) out.push_back(eos);
      break;
    }
    case Kind::Wpm: {
      // llama.cpp adds [CLS] ... [SEP] whenever special tokens are asked for.
      if (opt.add_special && bos >= 0) out.push_back(bos);
      for (const Fragment& f : frags) {
        if (f.token >= 0) out.push_back(f.token);
        else wpm_tokenize(vocab, wpm, unk, fragment_text(f), out);
      }
      if (opt.add_special && sep >= 0) out.push_back(sep);
      break;
    }
    case Kind::Ugm: {
      if (opt.add_special && add_bos && bos >= 0) out.push_back(bos);
      for (const Fragment& f : frags) {
        if (f.token >= 0) out.push_back(f.token);
        else ugm->tokenize(vocab, fragment_text(f), out);
      }
      if (opt.add_special && add_eos && eos >= 0) out.push_back(eos);
      break;
    }
  }
}

std::string LlamaPipeline::token_to_piece(const Vocab& vocab, int32_t id, bool special) const {
  if (!vocab.valid(id)) return {};
  const TokenType type = vocab.type(id);
  const bool control = vocab.is_control(id);
  if (!special && (control || type == TokenType::Unknown)) return {};
  const std::string& text = vocab.text(id);
  if (control || type == TokenType::Unknown || type == TokenType::UserDefined) return text;
  if (type == TokenType::Normal) {
    if (kind == Kind::Bpe && !escape_whitespaces) return alphabet_to_bytes(text);
    return unescape_spaces(text);
  }
  if (type == TokenType::Byte) return byte_piece(text);
  return {};  // unused / undefined tokens have no text
}

std::string LlamaPipeline::decode(const Vocab& vocab, std::span<const int32_t> ids, const DecodeOptions& opt) const {
  std::string text;
  bool remove_space = add_space_prefix;
  for (int32_t id : ids) {
    if (!vocab.valid(id)) continue;
    std::string p = token_to_piece(vocab, id, !opt.skip_special);
    if (remove_space && !p.empty() && p[0] == ' ') p.erase(0, 1);
    remove_space = false;
    text += p;
  }
  if (clean_spaces) clean_up_spaces(text);
  return text;
}

}  // namespace heft::tokenizer
