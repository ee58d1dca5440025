// heft chat driven by a script on stdin, with a ChatML template from a file:
// one reply line per turn, commands, save and load.
#include <fstream>

#include "cli/cli_helpers.h"

using namespace heft;

namespace {

std::string chatml_template(const std::string& dir) {
  std::string path = dir + "/chatml.jinja";
  std::ofstream(path) << "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                         "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
  return path;
}

}  // namespace

TEST(Chat, ScriptedConversationSaveAndLoad) {
  std::string dir = test::scratch_dir();
  std::string tmpl = chatml_template(dir);
  std::string saved = dir + "/conversation.json";
  auto r = test::heft({"chat", test::shared(test::kTinyF32), "--template", tmpl, "--temp", "0", "-n", "12", "--system",
                       "You tell stories."},
                      "Once upon a time\nTell me more\n/save " + saved + "\n/quit\n");
  ASSERT_EQ(r.status, 0) << r.err;
  util::Json conv = test::load_json(saved);
  ASSERT_TRUE(conv.is_array());
  ASSERT_EQ(conv.size(), 5u);  // system, user, assistant, user, assistant
  EXPECT_EQ(conv.as_array()[0].get_string("role"), "system");
  EXPECT_EQ(conv.as_array()[1].get_string("content"), "Once upon a time");
  EXPECT_EQ(conv.as_array()[4].get_string("role"), "assistant");
  // stdout is exactly the two replies, each ended by a newline.
  EXPECT_EQ(r.out, conv.as_array()[2].get_string("content") + "\n" + conv.as_array()[4].get_string("content") + "\n");

  // The same first turn after /load of a one-turn conversation and /reset gives the same reply.
  auto again = test::heft({"chat", test::shared(test::kTinyF32), "--template", tmpl, "--temp", "0", "-n", "12", "--system",
                           "You tell stories."},
                          "/load " + saved + "\n/reset\nOnce upon a time\n");
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.out, conv.as_array()[2].get_string("content") + "\n");
}

TEST(Chat, ModelWithoutTemplateIsAnError) {
  auto r = test::heft({"chat", test::shared(test::kTinyF32)}, "hello\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("chat template"), std::string::npos) << r.err;
}
