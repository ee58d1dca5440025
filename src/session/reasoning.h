#pragma once
// Splits a thinking model's output into its reasoning and its answer, as
// DeepSeek's API and vLLM return them (reasoning_content and content): the
// text between <think> and </think> is reasoning. The opening tag may be in
// the prompt (templates that open the block for the model) or at the start of
// the output. Fed piece by piece, so streams split the same way; a tag split
// across pieces is held back until it is whole.
#include <string>
#include <string_view>

namespace heft::session {

class ReasoningSplitter {
 public:
  // enabled: the model's template knows the markers; starts_inside: the prompt ends inside the block.
  ReasoningSplitter(bool enabled, bool starts_inside);
  struct Parts {
    std::string reasoning, content;
  };
  Parts feed(std::string_view text);
  Parts finish();

  // Whether a template uses the markers, and whether a rendered prompt leaves the block open.
  static bool template_uses_markers(std::string_view template_source);
  static bool prompt_opens_block(std::string_view rendered_prompt);

 private:
  enum class State { Start, Inside, Outside };
  State state_;
  bool skip_newlines_ = false;  // after </think>, before the answer
  std::string held_;
};

}  // namespace heft::session
