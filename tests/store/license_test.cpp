// `heft license` on the licence metadata real models publish: the front matter
// of their Hugging Face model cards and the keys of their GGUF files, one test
// per model, each checked for the right licence and its key terms; then base
// models (inheritance, conflicts, the cache), unknown licences, LICENSE files,
// and the table itself.
#include "store/license.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "formats/gguf_writer.h"
#include "support/test_paths.h"
#include "util/mapped_file.h"

namespace fs = std::filesystem;
using namespace heft;
using store::Commercial;

namespace {

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// An empty cache, so that nothing a developer downloaded changes the answers.
const std::string& empty_cache() {
  static const std::string dir = test::scratch_dir();
  return dir;
}

// A model card as published: the YAML front matter, then prose.
store::LicenseReport card(const std::string& front_matter, const std::string& repo = {}) {
  store::LicenseInputs in;
  in.model = repo;
  in.card_text = std::string("---\n").append(front_matter).append("---\n\n# Model card\n\nSome prose.\n");
  in.card_location = "README.md";
  in.repo = repo;
  in.hub_cache = empty_cache();
  return store::describe_license(in);
}

store::LicenseReport gguf(const formats::Metadata& md) {
  store::LicenseInputs in;
  in.metadata = &md;
  in.metadata_location = "model.gguf";
  in.hub_cache = empty_cache();
  return store::describe_license(in);
}

std::vector<std::string> ids(const std::vector<const store::LicenseTerms*>& v) {
  std::vector<std::string> out;
  for (const auto* t : v) out.push_back(t->id);
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The Llama 3.x terms every Llama 3.1+ licence shares.
void expect_llama31_style(const store::LicenseTerms& t) {
  EXPECT_EQ(t.commercial, Commercial::Conditional);
  EXPECT_EQ(t.monthly_active_users, 700000000u);
  EXPECT_TRUE(t.requires_acceptance);
  EXPECT_TRUE(contains(t.attribution, "Built with Llama")) << t.attribution;
  EXPECT_TRUE(contains(t.naming, "begins with \"Llama\"")) << t.naming;
  EXPECT_EQ(t.licensor, "Meta");
}

}  // namespace

// meta-llama/Llama-3.1-8B-Instruct (card, gated).
TEST(License, Llama31Card) {
  auto r = card(R"(language:
- en
- de
- fr
- it
- pt
- hi
- es
- th
license: llama3.1
base_model: meta-llama/Meta-Llama-3.1-8B
pipeline_tag: text-generation
tags:
- facebook
- meta
- pytorch
- llama
- llama-3
extra_gated_prompt: "### LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024\n"
extra_gated_fields:
  First Name: text
  Last Name: text
  Country: country
extra_gated_button_content: Submit
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "llama3.1");
  EXPECT_EQ(r.license.source, "model card");
  expect_llama31_style(*r.license.terms);
  EXPECT_TRUE(contains(r.license.terms->acceptable_use, "llama3_1/use-policy"));
  EXPECT_EQ(r.license.text_location, "https://www.llama.com/llama3_1/license/");
  ASSERT_EQ(r.base_models.size(), 1u);
  EXPECT_EQ(r.base_models[0].repo, "meta-llama/Meta-Llama-3.1-8B");
  EXPECT_EQ(r.base_models[0].found_in, "known base models");
  ASSERT_TRUE(r.base_models[0].license.known());
  EXPECT_EQ(r.base_models[0].license.terms->id, "llama3.1");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_TRUE(r.requires_acceptance());
  EXPECT_EQ(r.commercial_use(), "conditional");
}

// bartowski/Meta-Llama-3.1-8B-Instruct-GGUF: what convert_hf_to_gguf writes from that card.
TEST(License, Llama31Gguf) {
  formats::Metadata md;
  md.set("general.license", formats::MetaValue::string("llama3.1"));
  md.set("general.base_model.count", formats::MetaValue::u32(1));
  md.set("general.base_model.0.name", formats::MetaValue::string("Meta Llama 3.1 8B"));
  md.set("general.base_model.0.organization", formats::MetaValue::string("Meta Llama"));
  md.set("general.base_model.0.repo_url", formats::MetaValue::string("https://huggingface.co/meta-llama/Meta-Llama-3.1-8B"));
  auto r = gguf(md);
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "llama3.1");
  EXPECT_EQ(r.license.source, "GGUF metadata");
  expect_llama31_style(*r.license.terms);
  ASSERT_EQ(r.base_models.size(), 1u);
  EXPECT_EQ(r.base_models[0].repo, "meta-llama/Meta-Llama-3.1-8B");
  EXPECT_TRUE(r.conflicts.empty());
}

// meta-llama/Llama-3.2-1B-Instruct: the EU carve-out for the 3.2 multimodal models.
TEST(License, Llama32Card) {
  auto r = card(R"(language:
- en
library_name: transformers
pipeline_tag: text-generation
tags:
- facebook
- meta
- pytorch
- llama
- llama-3
license: llama3.2
base_model: meta-llama/Llama-3.2-1B
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "llama3.2");
  expect_llama31_style(*r.license.terms);
  EXPECT_TRUE(contains(r.license.terms->regional, "European Union")) << r.license.terms->regional;
  EXPECT_TRUE(contains(r.license.terms->regional, "multimodal"));
  ASSERT_EQ(r.base_models.size(), 1u);
  EXPECT_EQ(r.base_models[0].license.terms->id, "llama3.2");
  EXPECT_TRUE(r.requires_acceptance());
}

// meta-llama/Llama-3.3-70B-Instruct, whose card names Llama 3.1 70B as its base:
// Meta's newer licence on Meta's own base is no conflict, but both licences apply.
TEST(License, Llama33Card) {
  auto r = card(R"(library_name: transformers
language:
- en
- fr
- it
- pt
- hi
- es
- th
- de
base_model:
- meta-llama/Llama-3.1-70B
tags:
- facebook
- meta
- pytorch
- llama
- llama-3
license: llama3.3
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "llama3.3");
  expect_llama31_style(*r.license.terms);
  EXPECT_TRUE(r.conflicts.empty()) << r.conflicts.front();
  EXPECT_EQ(ids(r.applicable), (std::vector<std::string>{"llama3.3", "llama3.1"}));
}

// google/gemma-7b (Gemma 1): gated, commercial use allowed, prohibited-use policy.
TEST(License, Gemma1Card) {
  auto r = card(R"(library_name: transformers
tags: []
extra_gated_heading: Access Gemma on Hugging Face
extra_gated_prompt: To access Gemma on Hugging Face, you’re required to review and agree to Google’s usage license. To do this, please ensure you’re logged-in to Hugging Face and click below. Requests are processed immediately.
extra_gated_button_content: Acknowledge license
license: gemma
)");
  ASSERT_TRUE(r.license.known());
  const auto& t = *r.license.terms;
  EXPECT_EQ(t.id, "gemma");
  EXPECT_EQ(t.commercial, Commercial::Yes);
  EXPECT_EQ(t.monthly_active_users, 0u);
  EXPECT_TRUE(t.requires_acceptance);
  EXPECT_EQ(t.acceptable_use, "https://ai.google.dev/gemma/prohibited_use_policy");
  EXPECT_TRUE(contains(t.attribution, "Gemma is provided under and subject to the Gemma Terms of Use"));
  EXPECT_EQ(r.license.text_location, "https://ai.google.dev/gemma/terms");
  EXPECT_EQ(r.commercial_use(), "yes");
}

// google/gemma-2-9b-it (Gemma 2).
TEST(License, Gemma2Card) {
  auto r = card(R"(license: gemma
library_name: transformers
pipeline_tag: text-generation
extra_gated_heading: Access Gemma on Hugging Face
extra_gated_button_content: Acknowledge license
tags:
- conversational
base_model: google/gemma-2-9b
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "gemma");
  EXPECT_TRUE(r.requires_acceptance());
  ASSERT_EQ(r.base_models.size(), 1u);
  EXPECT_EQ(r.base_models[0].license.terms->id, "gemma");
  EXPECT_TRUE(r.conflicts.empty());
}

// google/gemma-3-4b-it (Gemma 3), and its GGUF (ggml-org/gemma-3-4b-it-GGUF).
TEST(License, Gemma3CardAndGguf) {
  auto r = card(R"(license: gemma
library_name: transformers
pipeline_tag: image-text-to-text
extra_gated_heading: Access Gemma on Hugging Face
extra_gated_button_content: Acknowledge license
base_model: google/gemma-3-4b-pt
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "gemma");
  EXPECT_EQ(r.base_models.at(0).license.terms->id, "gemma");
  formats::Metadata md;
  md.set("general.license", formats::MetaValue::string("gemma"));
  auto g = gguf(md);
  ASSERT_TRUE(g.license.known());
  EXPECT_EQ(g.license.terms->id, "gemma");
  EXPECT_TRUE(g.requires_acceptance());
}

// Qwen/Qwen2.5-3B-Instruct: `other` + qwen-research, non-commercial.
TEST(License, Qwen25ResearchCard) {
  auto r = card(R"(license: other
license_name: qwen-research
license_link: https://huggingface.co/Qwen/Qwen2.5-3B-Instruct/blob/main/LICENSE
language:
- en
pipeline_tag: text-generation
base_model: Qwen/Qwen2.5-3B
tags:
- chat
library_name: transformers
)");
  ASSERT_TRUE(r.license.known());
  const auto& t = *r.license.terms;
  EXPECT_EQ(t.id, "qwen-research");
  EXPECT_EQ(t.commercial, Commercial::No);
  EXPECT_TRUE(contains(t.restrictions, "research"));
  EXPECT_TRUE(contains(t.attribution, "Built with Qwen"));
  EXPECT_FALSE(t.requires_acceptance);
  EXPECT_EQ(r.license.declared, "other");
  EXPECT_EQ(r.license.declared_name, "qwen-research");
  EXPECT_EQ(r.license.text_location, "https://huggingface.co/Qwen/Qwen2.5-3B-Instruct/blob/main/LICENSE");
  EXPECT_EQ(r.base_models.at(0).license.terms->id, "qwen-research");
  EXPECT_EQ(r.commercial_use(), "no");
  EXPECT_FALSE(r.requires_acceptance());
}

// Qwen/Qwen2.5-72B-Instruct: `other` + qwen, 100 million monthly active users.
TEST(License, Qwen25QwenLicenceCard) {
  auto r = card(R"(license: other
license_name: qwen
license_link: https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/LICENSE
language:
- en
pipeline_tag: text-generation
base_model: Qwen/Qwen2.5-72B
tags:
- chat
library_name: transformers
)");
  ASSERT_TRUE(r.license.known());
  const auto& t = *r.license.terms;
  EXPECT_EQ(t.id, "qwen");
  EXPECT_EQ(t.commercial, Commercial::Conditional);
  EXPECT_EQ(t.monthly_active_users, 100000000u);
  EXPECT_TRUE(contains(t.attribution, "Built with Qwen"));
  EXPECT_FALSE(t.requires_acceptance);
  EXPECT_EQ(r.base_models.at(0).license.terms->id, "qwen");
  EXPECT_TRUE(r.conflicts.empty());
}

// Qwen/Qwen2.5-7B-Instruct: Apache 2.0.
TEST(License, Qwen25ApacheCard) {
  auto r = card(R"(license: apache-2.0
license_link: https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/LICENSE
language:
- en
pipeline_tag: text-generation
base_model: Qwen/Qwen2.5-7B
tags:
- chat
library_name: transformers
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "apache-2.0");
  EXPECT_TRUE(r.license.terms->spdx);
  EXPECT_EQ(r.license.terms->commercial, Commercial::Yes);
  EXPECT_EQ(r.license.terms->monthly_active_users, 0u);
  EXPECT_EQ(r.base_models.at(0).license.terms->id, "apache-2.0");
  EXPECT_EQ(r.commercial_use(), "yes");
  EXPECT_FALSE(r.requires_acceptance());
}

// mistralai/Mistral-7B-Instruct-v0.3: Apache 2.0.
TEST(License, Mistral7BCard) {
  auto r = card(R"(license: apache-2.0
base_model: mistralai/Mistral-7B-v0.3
extra_gated_description: If you want to learn more about how we process your personal data, please read our <a href="https://mistral.ai/terms/">Privacy Policy</a>.
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "apache-2.0");
  EXPECT_EQ(r.base_models.at(0).license.terms->id, "apache-2.0");
  EXPECT_EQ(r.commercial_use(), "yes");
}

// mistralai/Mistral-Large-Instruct-2407: `other` + mrl, research only, gated.
TEST(License, MistralLargeResearchCard) {
  auto r = card(R"(language:
- en
- fr
- de
- es
- it
- pt
- zh
- ja
- ru
- ko
license: other
license_name: mrl
inference: false
license_link: https://mistral.ai/licenses/MRL-0.1.md
extra_gated_prompt: >-
  # Mistral AI Research License

  If You want to use a Mistral Model, a Derivative or an Output for any purpose that is not expressly authorized under this Agreement, You must request a license from Mistral AI.
)");
  ASSERT_TRUE(r.license.known());
  const auto& t = *r.license.terms;
  EXPECT_EQ(t.id, "mrl");
  EXPECT_EQ(t.commercial, Commercial::No);
  EXPECT_TRUE(t.requires_acceptance);
  EXPECT_EQ(r.license.text_location, "https://mistral.ai/licenses/MRL-0.1.md");
  EXPECT_EQ(r.commercial_use(), "no");
}

// microsoft/Phi-3-mini-4k-instruct and microsoft/phi-4: MIT.
TEST(License, PhiCards) {
  for (const char* link : {"https://huggingface.co/microsoft/Phi-3-mini-4k-instruct/resolve/main/LICENSE",
                           "https://huggingface.co/microsoft/phi-4/resolve/main/LICENSE"}) {
    auto r = card(std::string("license: mit\nlicense_link: ").append(link).append(R"(
language:
- en
pipeline_tag: text-generation
tags:
- nlp
- code
)"));
    ASSERT_TRUE(r.license.known()) << link;
    EXPECT_EQ(r.license.terms->id, "mit");
    EXPECT_EQ(r.license.terms->commercial, Commercial::Yes);
    EXPECT_TRUE(r.license.terms->permissive);
    EXPECT_EQ(r.license.text_location, link);
    EXPECT_FALSE(r.requires_acceptance());
  }
}

// DeepSeek-V3: `other` + deepseek (the DeepSeek License Agreement), as its GGUF carries it.
TEST(License, DeepSeekV3Gguf) {
  formats::Metadata md;
  md.set("general.license", formats::MetaValue::string("other"));
  md.set("general.license.name", formats::MetaValue::string("deepseek"));
  md.set("general.license.link",
         formats::MetaValue::string("https://github.com/deepseek-ai/DeepSeek-V3/blob/main/LICENSE-MODEL"));
  auto r = gguf(md);
  ASSERT_TRUE(r.license.known());
  const auto& t = *r.license.terms;
  EXPECT_EQ(t.id, "deepseek");
  EXPECT_EQ(t.commercial, Commercial::Yes);
  EXPECT_TRUE(contains(t.restrictions, "Attachment A"));
  EXPECT_FALSE(t.requires_acceptance);
  EXPECT_EQ(r.license.text_location, "https://github.com/deepseek-ai/DeepSeek-V3/blob/main/LICENSE-MODEL");
}

// deepseek-ai/DeepSeek-V2.5-1210 and deepseek-ai/deepseek-coder-7b-base-v1.5: the
// other spellings of the same licence, one with a link relative to its repository.
TEST(License, DeepSeekOtherCards) {
  auto v25 = card(R"(license: other
license_name: deepseek
license_link: https://github.com/deepseek-ai/DeepSeek-V2/blob/main/LICENSE-MODEL
library_name: transformers
)");
  ASSERT_TRUE(v25.license.known());
  EXPECT_EQ(v25.license.terms->id, "deepseek");
  auto coder = card("license: other\nlicense_name: deepseek-license\nlicense_link: LICENSE\n",
                    "deepseek-ai/deepseek-coder-7b-base-v1.5");
  ASSERT_TRUE(coder.license.known());
  EXPECT_EQ(coder.license.terms->id, "deepseek");
  EXPECT_EQ(coder.license.text_location, "https://huggingface.co/deepseek-ai/deepseek-coder-7b-base-v1.5/blob/main/LICENSE");
}

// deepseek-ai/DeepSeek-R1: MIT.
TEST(License, DeepSeekR1Card) {
  auto r = card("license: mit\nlibrary_name: transformers\n");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "mit");
  EXPECT_EQ(r.commercial_use(), "yes");
}

// allenai/OLMo-2-1124-7B-Instruct: Apache 2.0, on an OLMo base.
TEST(License, OlmoCard) {
  auto r = card(R"(license: apache-2.0
language:
- en
pipeline_tag: text-generation
base_model:
- allenai/OLMo-2-1124-7B-DPO
library_name: transformers
datasets:
- allenai/RLVR-GSM-MATH-IF-Mixed-Constraints
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "apache-2.0");
  EXPECT_EQ(r.base_models.at(0).license.terms->id, "apache-2.0");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.commercial_use(), "yes");
}

// tiiuae/Falcon3-3B-Instruct: `other` + falcon-llm-license.
TEST(License, Falcon3Card) {
  auto r = card(R"(base_model: tiiuae/Falcon3-3B-Base
language:
- en
- fr
- es
- pt
library_name: transformers
license: other
license_name: falcon-llm-license
license_link: https://falconllm.tii.ae/falcon-terms-and-conditions.html
tags:
- falcon3
)");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "falcon-llm-license");
  EXPECT_EQ(r.base_models.at(0).license.terms->id, "falcon-llm-license");
}

// tiiuae/falcon-180B says `license: unknown` (the licence is only in its gate's prompt): unknown, not guessed.
TEST(License, Falcon180BSaysUnknown) {
  auto r = card(R"(language:
- en
- de
- es
- fr
license: unknown
datasets:
- tiiuae/falcon-refinedweb
inference: false
extra_gated_heading: Acknowledge license to access the repository
)");
  EXPECT_FALSE(r.license.known());
  EXPECT_TRUE(r.license.stated());
  EXPECT_EQ(r.commercial_use(), "unknown");
  EXPECT_TRUE(contains(store::license_summary(r), std::string(store::kUnknownLicense)));
}

TEST(License, FineTuneUnderAnotherLicenceThanItsBaseIsAConflict) {
  auto r = card("license: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B-Instruct\n", "someone/llama-finetune");
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "apache-2.0");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_TRUE(contains(r.conflicts[0], "llama3.1")) << r.conflicts[0];
  EXPECT_TRUE(contains(r.conflicts[0], "meta-llama/Llama-3.1-8B-Instruct")) << r.conflicts[0];
  EXPECT_EQ(ids(r.applicable), (std::vector<std::string>{"apache-2.0", "llama3.1"}));
  EXPECT_TRUE(r.requires_acceptance());  // inherited
  EXPECT_EQ(r.commercial_use(), "conditional");
  const std::string summary = store::license_summary(r);
  EXPECT_TRUE(contains(summary, "Conflict:")) << summary;
  EXPECT_TRUE(contains(summary, "700 million")) << summary;
  auto j = store::license_report_json(r);
  EXPECT_EQ(j.find("conflicts")->size(), 1u);
  EXPECT_EQ(j.get_string("commercial_use"), "conditional");
  EXPECT_TRUE(j.get_bool("requires_acceptance", false));
}

TEST(License, FineTuneOnAPermissiveBaseIsNoConflict) {
  auto r = card("license: mit\nbase_model: Qwen/Qwen2.5-7B-Instruct\n");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(ids(r.applicable), (std::vector<std::string>{"mit", "apache-2.0"}));
}

TEST(License, FineTuneThatStatesNoLicenceInheritsItsBase) {
  auto gemma = card("base_model: google/gemma-2-9b\n");
  EXPECT_FALSE(gemma.license.known());
  EXPECT_EQ(ids(gemma.applicable), std::vector<std::string>{"gemma"});
  EXPECT_TRUE(gemma.requires_acceptance());
  EXPECT_EQ(gemma.commercial_use(), "unknown");  // its own licence may add terms
  auto qwen = card("base_model: Qwen/Qwen2.5-3B-Instruct\n");
  EXPECT_EQ(qwen.commercial_use(), "no");  // whatever its own licence says, the base's forbids it
}

// A base model in the Hugging Face cache is read from its own card, and its base after it.
TEST(License, BaseModelsAreFollowedThroughTheCache) {
  const fs::path cache = test::scratch_dir();
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  const fs::path repo = cache / "models--someone--llama-base";
  write(repo / "refs" / "main", commit);
  write(repo / "snapshots" / commit / "README.md", "---\nlicense: llama3.2\nbase_model: meta-llama/Llama-3.2-3B\n---\n");
  store::LicenseInputs in;
  in.card_text = "---\nlicense: other\nlicense_name: llama3.2\nbase_model: someone/llama-base\n---\n";
  in.hub_cache = cache.string();
  auto r = store::describe_license(in);
  ASSERT_TRUE(r.license.known());
  EXPECT_EQ(r.license.terms->id, "llama3.2");
  ASSERT_EQ(r.base_models.size(), 2u);
  EXPECT_EQ(r.base_models[0].repo, "someone/llama-base");
  EXPECT_EQ(r.base_models[0].found_in, "Hugging Face cache");
  EXPECT_EQ(r.base_models[0].license.terms->id, "llama3.2");
  EXPECT_EQ(r.base_models[0].license.location, (repo / "snapshots" / commit / "README.md").string());
  EXPECT_EQ(r.base_models[1].repo, "meta-llama/Llama-3.2-3B");
  EXPECT_EQ(r.base_models[1].child, "someone/llama-base");
  EXPECT_EQ(r.base_models[1].found_in, "known base models");
  EXPECT_TRUE(r.conflicts.empty());

  // The cache's card wins over the table: here the base says something else, and the fine-tune conflicts with it.
  write(repo / "snapshots" / commit / "README.md", "---\nlicense: cc-by-nc-4.0\n---\n");
  auto nc = store::describe_license(in);
  ASSERT_EQ(nc.base_models.size(), 1u);
  EXPECT_EQ(nc.base_models[0].license.terms->id, "cc-by-nc-4.0");
  EXPECT_EQ(nc.conflicts.size(), 1u);
  EXPECT_EQ(nc.commercial_use(), "no");
}

TEST(License, BaseModelNobodyKnowsIsUnknownWithItsAddress) {
  auto r = card("license: mit\nbase_model: someone/obscure-model\n");
  ASSERT_EQ(r.base_models.size(), 1u);
  EXPECT_FALSE(r.base_models[0].license.known());
  EXPECT_EQ(r.base_models[0].found_in, "");
  EXPECT_EQ(r.base_models[0].license.text_location, "https://huggingface.co/someone/obscure-model");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_TRUE(contains(store::license_summary(r), "someone/obscure-model: unknown — read the licence text"));
}

// A custom licence the table lacks: unknown, with where its text is — never a guess.
TEST(License, UnknownCustomLicenceSaysWhereItsTextIs) {
  const fs::path dir = test::scratch_dir();
  write(dir / "README.md", "---\nlicense: other\nlicense_name: acme-model-license\nlicense_link: LICENSE\n---\n# Acme\n");
  write(dir / "LICENSE", "ACME MODEL LICENSE\n\nYou may use this model on Tuesdays.\n");
  write(dir / "config.json", "{}");
  auto r = store::describe_model_license(dir.string());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->license.known());
  EXPECT_EQ(r->license.display(), "acme-model-license");
  EXPECT_EQ(r->license.text_location, (dir / "LICENSE").string());
  EXPECT_EQ(r->license_files, std::vector<std::string>{(dir / "LICENSE").string()});
  const std::string summary = store::license_summary(*r);
  EXPECT_TRUE(contains(summary, "acme-model-license: unknown — read the licence text")) << summary;
  EXPECT_TRUE(contains(summary, (dir / "LICENSE").string())) << summary;
  auto j = store::license_report_json(*r);
  EXPECT_EQ(j.find("license")->get_string("status"), "unknown — read the licence text");
  EXPECT_EQ(j.find("license")->get_string("text"), (dir / "LICENSE").string());
  EXPECT_TRUE(j.find("license")->find("id")->is_null());

  // A remote text, and a relative one in a repository on the Hub.
  auto remote = card("license: other\nlicense_name: acme\nlicense_link: https://acme.example/model-license\n");
  EXPECT_FALSE(remote.license.known());
  EXPECT_EQ(remote.license.text_location, "https://acme.example/model-license");
  auto hub = card("license: other\nlicense_name: acme\nlicense_link: LICENSE.md\n", "acme/model");
  EXPECT_EQ(hub.license.text_location, "https://huggingface.co/acme/model/blob/main/LICENSE.md");
  // Several licences in one field are not guessed between.
  EXPECT_FALSE(card("license:\n- apache-2.0\n- llama3.1\n").license.known());
}

TEST(License, LicenseFileHeadingsAreReadOnlyWhenNothingElseSays) {
  const fs::path dir = test::scratch_dir();
  write(dir / "LICENSE",
        "\n                                 Apache License\n                           Version 2.0, January 2004\n"
        "                        http://www.apache.org/licenses/\n\n   TERMS AND CONDITIONS FOR USE\n");
  write(dir / "USE_POLICY.md", "# Use policy\n");
  write(dir / "model.safetensors", "x");
  auto r = store::describe_model_license((dir / "model.safetensors").string());
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_TRUE(r->license.known());
  EXPECT_EQ(r->license.terms->id, "apache-2.0");
  EXPECT_EQ(r->license.source, "LICENSE file");
  EXPECT_EQ(r->license.location, (dir / "LICENSE").string());
  EXPECT_EQ(r->license_files, (std::vector<std::string>{(dir / "LICENSE").string(), (dir / "USE_POLICY.md").string()}));
  // The card speaks first.
  write(dir / "README.md", "---\nlicense: mit\n---\n");
  auto carded = store::describe_model_license(dir.string());
  ASSERT_TRUE(carded);
  EXPECT_EQ(carded->license.terms->id, "mit");
  EXPECT_EQ(carded->license.source, "model card");
}

// A GGUF in a cache snapshot: its own metadata, its snapshot's card, its repository's name.
TEST(License, GgufInTheCacheReadsItsMetadataAndItsCard) {
  const fs::path cache = test::scratch_dir();
  const std::string commit = "89abcdef0123456789abcdef0123456789abcdef";
  const fs::path snap = cache / "models--someone--Model-GGUF" / "snapshots" / commit;
  formats::Metadata md;
  md.set("general.architecture", formats::MetaValue::string("llama"));
  md.set("general.license", formats::MetaValue::string("apache-2.0"));
  fs::create_directories(snap / "Q4_K_M");
  const std::string file = (snap / "Q4_K_M" / "model-Q4_K_M.gguf").string();
  std::vector<float> zeros(4, 0.0f);
  auto w = formats::write_gguf(file, md, {{"t", formats::GgmlType::F32, {4}}},
                               [&](size_t, const formats::GgufChunkSink& sink) {
                                 return sink({reinterpret_cast<const uint8_t*>(zeros.data()), 16});
                               });
  ASSERT_TRUE(w) << w.error().to_string();
  write(snap / "README.md", "---\nlicense: mit\nlicense_link: LICENSE\n---\n");
  auto r = store::describe_model_license(file);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_TRUE(r->license.known());
  EXPECT_EQ(r->license.terms->id, "apache-2.0");
  EXPECT_EQ(r->license.source, "GGUF metadata");
  ASSERT_EQ(r->conflicts.size(), 1u);
  EXPECT_TRUE(contains(r->conflicts[0], "GGUF metadata says apache-2.0 but the model card says mit")) << r->conflicts[0];
  // The card's relative link, with no such file here, is the repository's on the Hub.
  formats::Metadata none;
  auto w2 = formats::write_gguf(file, none, {{"t", formats::GgmlType::F32, {4}}},
                                [&](size_t, const formats::GgufChunkSink& sink) {
                                  return sink({reinterpret_cast<const uint8_t*>(zeros.data()), 16});
                                },
                                {.overwrite = true});
  ASSERT_TRUE(w2) << w2.error().to_string();
  auto carded = store::describe_model_license(file);
  ASSERT_TRUE(carded);
  EXPECT_EQ(carded->license.terms->id, "mit");
  EXPECT_EQ(carded->license.text_location, "https://huggingface.co/someone/Model-GGUF/blob/main/LICENSE");

  EXPECT_FALSE(store::describe_model_license((cache / "absent.gguf").string()));
}

TEST(License, LookupsByAliasLinkAndText) {
  EXPECT_EQ(store::find_license("Apache-2.0")->id, "apache-2.0");
  EXPECT_EQ(store::find_license("Apache 2.0")->id, "apache-2.0");
  EXPECT_EQ(store::find_license("MIT")->id, "mit");
  EXPECT_EQ(store::find_license("LLAMA3.1")->id, "llama3.1");
  EXPECT_EQ(store::find_license("tongyi-qianwen")->id, "qwen");
  EXPECT_EQ(store::find_license("openrail++")->id, "openrail++");
  EXPECT_EQ(store::find_license("other"), nullptr);
  EXPECT_EQ(store::find_license(""), nullptr);
  EXPECT_EQ(store::find_license_by_link("https://www.llama.com/llama3_2/license")->id, "llama3.2");
  EXPECT_EQ(store::find_license_by_link("https://mistral.ai/licences/MNPL-0.1.md")->id, "mnpl");
  EXPECT_EQ(store::find_license_by_link("LICENSE"), nullptr);
  EXPECT_EQ(store::license_of_known_repo("meta-llama/Llama-3.2-11B-Vision-Instruct")->id, "llama3.2");
  EXPECT_EQ(store::license_of_known_repo("qwen/qwen2.5-3b-instruct")->id, "qwen-research");
  EXPECT_EQ(store::license_of_known_repo("Qwen/Qwen2.5-32B-Instruct")->id, "apache-2.0");
  EXPECT_EQ(store::license_of_known_repo("Qwen/Qwen2.5-72B-Instruct")->id, "qwen");
  EXPECT_EQ(store::license_of_known_repo("someone/else"), nullptr);

  EXPECT_EQ(store::match_license_text("LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024\n")->id,
            "llama3.1");
  EXPECT_EQ(store::match_license_text("Qwen RESEARCH LICENSE AGREEMENT\n\nQwen RESEARCH LICENSE AGREEMENT Release Date: "
                                      "September 19, 2024\n")->id,
            "qwen-research");
  EXPECT_EQ(store::match_license_text("Qwen LICENSE AGREEMENT\n\nQwen LICENSE AGREEMENT Release Date: September 19, 2024\n")->id,
            "qwen");
  EXPECT_EQ(store::match_license_text("Gemma Terms of Use\n\nLast modified: April 1, 2024\n")->id, "gemma");
  // The LGPL builds on the GPL's text but is not the GPL.
  EXPECT_EQ(store::match_license_text("                   GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3, 29 "
                                      "June 2007\n\n  This version of the GNU Lesser General Public License incorporates\nthe "
                                      "terms and conditions of version 3 of the GNU General Public\nLicense"),
            nullptr);
  EXPECT_EQ(store::match_license_text("                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June "
                                      "2007\n")->id,
            "gpl-3.0");
  EXPECT_EQ(store::match_license_text("Some licence of our own.\nPermission is hereby granted, free of charge"), nullptr);
}

// The table as data: what is compiled in is the file in the repository; every
// entry links its text, spellings are unambiguous, patterns name entries.
TEST(License, TableIsWellFormed) {
  auto file = util::read_file(test::source("src/store/licenses.json"));
  ASSERT_TRUE(file);
  EXPECT_EQ(store::licenses_json(), *file) << "the build's copy of licenses.json is stale: re-run cmake";
  const auto& table = store::license_table();
  std::set<std::string> spellings;
  for (const auto& t : table) {
    EXPECT_TRUE(t.url.starts_with("https://")) << t.id;
    if (!t.acceptable_use.empty()) {
      EXPECT_TRUE(t.acceptable_use.starts_with("https://")) << t.id;
    }
    EXPECT_EQ(store::find_license(t.id), &t) << t.id;
    for (const auto& a : t.aliases) EXPECT_EQ(store::find_license(a), &t) << a;
    EXPECT_EQ(store::find_license_by_link(t.url), &t) << t.id;
    if (t.monthly_active_users) {
      EXPECT_FALSE(t.user_threshold.empty()) << t.id;
    }
    if (t.commercial != Commercial::Yes) {
      EXPECT_FALSE(t.commercial_note.empty()) << t.id;
    }
  }
  for (const char* id : {"apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0", "cc-by-nc-4.0", "cc-by-sa-4.0", "openrail",
                         "openrail++", "bigscience-openrail-m", "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4",
                         "gemma", "qwen", "qwen-research", "mrl", "mnpl", "deepseek", "falcon", "tii", "gpl-3.0", "cc0-1.0",
                         "unlicense"})
    EXPECT_NE(store::find_license(id), nullptr) << id;
  auto doc = util::Json::parse(*file);
  ASSERT_TRUE(doc);
  for (const auto& b : doc->find("base_models")->as_array())
    EXPECT_NE(store::find_license(b.get_string("license")), nullptr) << b.get_string("pattern");
}
