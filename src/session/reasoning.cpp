#include "session/reasoning.h"

namespace heft::session {

namespace {

constexpr std::string_view kOpen = "<think>", kClose = "</think>";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Length of the longest tail of `s` that is a proper prefix of `tag`.
size_t partial_tail(std::string_view s, std::string_view tag) {
  for (size_t len = std::min(s.size(), tag.size() - 1); len > 0; --len)
    if (s.substr(s.size() - len) == tag.substr(0, len)) return len;
  return 0;
}

}  // namespace

ReasoningSplitter::ReasoningSplitter(bool enabled, bool starts_inside)
    : state_(!enabled ? State::Outside : starts_inside ? State::Inside : State::Start) {}

bool ReasoningSplitter::template_uses_markers(std::string_view source) {
  return source.find(kClose) != std::string_view::npos;
}

bool ReasoningSplitter::prompt_opens_block(std::string_view prompt) {
  while (!prompt.empty() && is_space(prompt.back())) prompt.remove_suffix(1);
  return prompt.ends_with(kOpen);
}

ReasoningSplitter::Parts ReasoningSplitter::feed(std::string_view text) {
  Parts out;
  held_.append(text);
  if (state_ == State::Start) {
    size_t i = 0;
    while (i < held_.size() && is_space(held_[i])) ++i;
    std::string_view rest = std::string_view(held_).substr(i);
    if (rest.size() < kOpen.size() && kOpen.starts_with(rest)) return out;  // may still become the tag
    if (rest.starts_with(kOpen)) {
      held_.erase(0, i + kOpen.size());
      state_ = State::Inside;
    } else {
      state_ = State::Outside;
    }
  }
  if (state_ == State::Inside) {
    const size_t at = held_.find(kClose);
    if (at == std::string::npos) {
      const size_t keep = partial_tail(held_, kClose);
      out.reasoning = held_.substr(0, held_.size() - keep);
      held_.erase(0, held_.size() - keep);
      return out;
    }
    out.reasoning = held_.substr(0, at);
    held_.erase(0, at + kClose.size());
    state_ = State::Outside;
    skip_newlines_ = true;
  }
  if (skip_newlines_) {
    size_t i = 0;
    while (i < held_.size() && is_space(held_[i])) ++i;
    held_.erase(0, i);
    if (!held_.empty()) skip_newlines_ = false;
  }
  out.content += held_;
  held_.clear();
  return out;
}

ReasoningSplitter::Parts ReasoningSplitter::finish() {
  Parts out;
  if (state_ == State::Inside) out.reasoning = std::move(held_);
  else out.content = std::move(held_);
  held_.clear();
  return out;
}

}  // namespace heft::session
