// heft inspect on a YaRN GGUF: the YaRN values in use, and the rope.scaling.yarn_*
// keys llama.cpp does not read for the family, listed as ignored (and ignored).
#include <cmath>

#include "cli/cli_helpers.h"
#include "convert/gguf_export.h"
#include "convert/synth.h"
#include "formats/gguf_reader.h"

using namespace heft;

namespace {

std::vector<double> flat_logits(const util::Json& doc) {
  std::vector<double> out;
  for (const auto& r : doc.find("logits")->as_array())
    for (const auto& v : r.as_array()) out.push_back(v.as_double());
  return out;
}

}  // namespace

TEST(InspectRope, ShowsYarnAndTheKeysLlamaCppIgnores) {
  const std::string dir = test::scratch_dir();
  convert::SynthOptions opt{.preset = "mini", .type = "F32", .progress = false};
  opt.rope_scaling = "yarn";
  opt.rope_factor = 4.0f;
  opt.rope_orig_ctx = 128;
  ASSERT_TRUE(convert::synthesize(dir + "/yarn.gguf", opt));
  // The same file with a key llama.cpp reads only for Grok, as its converter writes it from a config.
  auto mf = formats::read_gguf(dir + "/yarn.gguf");
  ASSERT_TRUE(mf);
  mf->metadata.set("llama.rope.scaling.yarn_beta_fast", formats::MetaValue::f32(8.0f));
  auto w = convert::export_gguf(*mf, dir + "/extra.gguf", {.progress = false});
  ASSERT_TRUE(w) << w.error().to_string();

  util::Json h = *test::heft_json({"inspect", dir + "/extra.gguf", "--json"}).find("hparams");
  EXPECT_EQ(h.get_string("rope_scaling"), "yarn");
  const util::Json* y = h.find("yarn");
  ASSERT_TRUE(y);
  EXPECT_EQ(y->get_int("original_context", 0), 128);
  EXPECT_EQ(y->get_double("ext_factor", 0), 1.0);
  EXPECT_EQ(y->get_double("beta_fast", 0), 32.0);
  EXPECT_EQ(y->get_double("beta_slow", 0), 1.0);
  EXPECT_NEAR(y->get_double("magnitude", 0), 1.0 + 0.1 * std::log(4.0), 1e-6);
  EXPECT_EQ(h.find("ignored_keys")->dump(), "[\"llama.rope.scaling.yarn_beta_fast\"]");
  auto text = test::heft({"inspect", dir + "/extra.gguf"});
  EXPECT_NE(text.out.find("yarn:          original context 128, ext_factor 1"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("ignored:       llama.rope.scaling.yarn_beta_fast (llama.cpp does not use it"), std::string::npos) << text.out;

  // Ignored means ignored: the logits are those of the file without the key.
  const std::vector<std::string> ids = {"--ids", "1,2,3,4,5,6,7,8,9,10", "-t", "2"};
  auto with = test::heft_json({"logits", dir + "/extra.gguf", ids[0], ids[1], ids[2], ids[3]});
  auto without = test::heft_json({"logits", dir + "/yarn.gguf", ids[0], ids[1], ids[2], ids[3]});
  EXPECT_EQ(flat_logits(with), flat_logits(without));
}
