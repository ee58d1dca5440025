#include "tokenizer/decoder.h"

#include "tokenizer/normalizer.h"
#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

std::vector<uint32_t> chars_of(std::string_view s) { return unicode::codepoints(s); }

std::string replace_literal(std::string s, std::string_view from, std::string_view to) {
  if (from.empty()) return s;
  std::string out;
  size_t prev = 0;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, prev)) {
    out.append(s, prev, at - prev);
    out += to;
    prev = at + from.size();
  }
  out.append(s, prev, std::string::npos);
  return out;
}

}  // namespace

std::string wordpiece_cleanup(std::string s) {
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (auto [from, to] : rules) s = replace_literal(std::move(s), from, to);
  return s;
}

bool Decoder::has(DecoderStep::Kind k) const {
  for (const DecoderStep& s : steps_)
    if (s.kind == k) return true;
  return false;
}

std::string Decoder::decode(std::vector<std::string> tokens) const {
  if (steps_.empty()) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out.push_back(' ');
      out += tokens[i];
    }
    return out;
  }
  using K = DecoderStep::Kind;
  for (const DecoderStep& st : steps_) {
    switch (st.kind) {
      case K::ByteLevel: {
        std::string bytes;
        for (const std::string& t : tokens) {
          std::string mapped;
          bool ok = true;
          for (uint32_t cp : chars_of(t)) {
            int b = unicode::codepoint_to_byte(cp);
            if (b < 0) {
              ok = false;
              break;
            }
            mapped.push_back(static_cast<char>(b));
          }
          bytes += ok ? mapped : t;
        }
        tokens = {unicode::to_valid_lossy(bytes)};
        break;
      }
      case K::Metaspace: {
        uint32_t rep = 0;
        unicode::decode_valid(st.replacement, 0, rep);
        for (size_t i = 0; i < tokens.size(); ++i) {
          std::string out;
          for (uint32_t cp : chars_of(tokens[i])) {
            if (cp == rep) {
              if (!(i == 0 && !st.prepend_never)) out.push_back(' ');
            } else {
              unicode::append_utf8(out, cp);
            }
          }
          tokens[i] = std::move(out);
        }
        break;
      }
      case K::WordPiece:
        for (size_t i = 0; i < tokens.size(); ++i) {
          if (i != 0) {
            if (tokens[i].starts_with(st.prefix)) tokens[i].erase(0, st.prefix.size());
            else tokens[i].insert(tokens[i].begin(), ' ');
          }
          if (st.cleanup) tokens[i] = wordpiece_cleanup(std::move(tokens[i]));
        }
        break;
      case K::Bpe:
        for (size_t i = 0; i < tokens.size(); ++i)
          tokens[i] = replace_literal(std::move(tokens[i]), st.prefix, i + 1 == tokens.size() ? "" : " ");
        break;
      case K::Ctc: {
        std::vector<std::string> out;
        for (size_t i = 0; i < tokens.size(); ++i) {
          if (i > 0 && tokens[i] == tokens[i - 1]) continue;
          std::string t = replace_literal(tokens[i], st.pad_token, "");
          if (st.cleanup) t = replace_literal(wordpiece_cleanup(std::move(t)), st.word_delimiter, " ");
          if (!t.empty()) out.push_back(std::move(t));
        }
        tokens = std::move(out);
        break;
      }
      case K::Replace:
        for (std::string& t : tokens) t = replace_all(t, st.regex.get(), st.pattern, st.content);
        break;
      case K::ByteFallback: {
        std::vector<std::string> out;
        std::string pending;
        auto flush = [&] {
          if (pending.empty()) return;
          if (unicode::is_valid_utf8(pending)) out.push_back(pending);
          else
            for (size_t k = 0; k < pending.size(); ++k) out.push_back("\xEF\xBF\xBD");
          pending.clear();
        };
        for (std::string& t : tokens) {
          int byte = -1;
          if (t.size() == 6 && t.starts_with("<0x") && t.back() == '>') {
            auto hex = [](char c) {
              if (c >= '0' && c <= '9') return c - '0';
              if (c >= 'a' && c <= 'f') return c - 'a' + 10;
              if (c >= 'A' && c <= 'F') return c - 'A' + 10;
              return -1;
            };
            int hi = hex(t[3]), lo = hex(t[4]);
            if (hi >= 0 && lo >= 0) byte = hi * 16 + lo;
          }
          if (byte >= 0) {
            pending.push_back(static_cast<char>(byte));
          } else {
            flush();
            out.push_back(std::move(t));
          }
        }
        flush();
        tokens = std::move(out);
        break;
      }
      case K::Fuse: {
        std::string all;
        for (const std::string& t : tokens) all += t;
        tokens = {std::move(all)};
        break;
      }
      case K::Strip: {
        uint32_t c = 0;
        unicode::decode_valid(st.content, 0, c);
        for (std::string& t : tokens) {
          std::vector<uint32_t> cps = chars_of(t);
          size_t b = 0, e = cps.size();
          for (size_t i = 0; i < st.start && i < cps.size() && cps[i] == c; ++i) b = i + 1;
          for (size_t i = 0; i < st.stop && i < cps.size(); ++i) {
            size_t idx = cps.size() - i - 1;
            if (cps[idx] != c) break;
            e = idx;
          }
          std::string out;
          for (size_t i = b; i < e; ++i) unicode::append_utf8(out, cps[i]);
          t = std::move(out);
        }
        break;
      }
    }
  }
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

}  // namespace heft::tokenizer
