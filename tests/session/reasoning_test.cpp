// Reasoning and answer split as DeepSeek's API returns them, the same whether
// the text comes whole or one byte at a time.
#include <gtest/gtest.h>

#include "session/reasoning.h"

namespace heft::session {
namespace {

ReasoningSplitter::Parts split(std::string_view text, bool enabled, bool inside, size_t piece) {
  ReasoningSplitter s(enabled, inside);
  ReasoningSplitter::Parts all;
  for (size_t i = 0; i < text.size(); i += piece) {
    auto p = s.feed(text.substr(i, piece));
    all.reasoning += p.reasoning;
    all.content += p.content;
  }
  auto p = s.finish();
  all.reasoning += p.reasoning;
  all.content += p.content;
  return all;
}

void expect_split(std::string_view text, bool enabled, bool inside, const std::string& reasoning,
                  const std::string& content) {
  for (size_t piece : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, text.size() + 1}) {
    auto p = split(text, enabled, inside, piece);
    EXPECT_EQ(p.reasoning, reasoning) << text << " in pieces of " << piece;
    EXPECT_EQ(p.content, content) << text << " in pieces of " << piece;
  }
}

TEST(Reasoning, Splits) {
  expect_split("<think>let me see</think>\n\nThe answer.", true, false, "let me see", "The answer.");
  expect_split("\n<think>a < b</think>yes", true, false, "a < b", "yes");
  expect_split("no thinking here", true, false, "", "no thinking here");
  expect_split("<thin", true, false, "", "<thin");
  // The template opened the block in the prompt.
  expect_split("step one</think>done", true, true, "step one", "done");
  expect_split("still thinking </thi", true, true, "still thinking </thi", "");
  // A model without the markers: everything is the answer.
  expect_split("<think>x</think>y", false, false, "", "<think>x</think>y");
}

TEST(Reasoning, Markers) {
  EXPECT_TRUE(ReasoningSplitter::template_uses_markers("{{ '</think>' }}"));
  EXPECT_FALSE(ReasoningSplitter::template_uses_markers("{{ messages }}"));
  EXPECT_TRUE(ReasoningSplitter::prompt_opens_block("<|Assistant|><think>\n"));
  EXPECT_FALSE(ReasoningSplitter::prompt_opens_block("<think>\n</think>\n\n"));
}

}  // namespace
}  // namespace heft::session
