#include "tokenizer/streaming_decoder.h"

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {
constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";
}

std::string StreamingDecoder::step(int32_t id) {
  if (!tok_.valid(id)) return {};
  return tok_.reference() == Reference::LlamaCpp ? step_pieces(id) : step_window(id);
}

std::string StreamingDecoder::step_pieces(int32_t id) {
  if (opt_.skip_special && (tok_.vocab().is_control(id) || tok_.token_type(id) == TokenType::Unknown)) return {};
  pending_ += tok_.token_to_piece(id);
  size_t hold = unicode::incomplete_tail(pending_);
  std::string out = unicode::to_valid_lossy(std::string_view(pending_).substr(0, pending_.size() - hold));
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StreamingDecoder::step_window(int32_t id) {
  // tokenizers' step_decode_stream, with the same window bookkeeping.
  if (prefix_.empty() && !window_.empty()) {
    std::string p = tok_.decode(window_, opt_);
    if (!p.ends_with(kReplacementUtf8)) {
      prefix_ = std::move(p);
      prefix_index_ = window_.size();
    }
  }
  window_.push_back(id);
  std::string s = tok_.decode(window_, opt_);
  if (s.size() <= prefix_.size()) return {};
  // A trailing U+FFFD may be a character still missing bytes: wait, but no
  // longer than any UTF-8 sequence can take (then it is a real U+FFFD).
  if (s.ends_with(kReplacementUtf8) && window_.size() - prefix_index_ < 8) return {};
  std::string out;
  if (s.starts_with(prefix_)) {
    out = s.substr(prefix_.size());
  } else {
    // tokenizers reports an error here; heft resynchronises on the new text
    // after the longest common prefix so nothing is lost.
    size_t common = 0;
    while (common < prefix_.size() && common < s.size() && prefix_[common] == s[common]) ++common;
    while (common > 0 && common < s.size() && (static_cast<uint8_t>(s[common]) & 0xC0) == 0x80) --common;
    out = s.substr(common);
  }
  size_t new_prefix_index = window_.size() - prefix_index_;
  window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(prefix_index_));
  prefix_ = tok_.decode(window_, opt_);
  prefix_index_ = new_prefix_index;
  return out;
}

std::string StreamingDecoder::finish() {
  std::string out;
  if (tok_.reference() == Reference::LlamaCpp) {
    out = unicode::to_valid_lossy(pending_);
  } else if (!window_.empty()) {
    std::string s = tok_.decode(window_, opt_);
    if (s.size() > prefix_.size() && s.starts_with(prefix_)) out = s.substr(prefix_.size());
  }
  reset();
  return out;
}

void StreamingDecoder::reset() {
  pending_.clear();
  window_.clear();
  prefix_.clear();
  prefix_index_ = 0;
}

}  // namespace heft::tokenizer
