#pragma once
// What licence a model is under, and what that licence asks of its users
// (`heft license`; `heft pull` prints the summary before it downloads).
//
// Gathered from what the model itself says: GGUF metadata (general.license,
// .name, .link, general.base_model.*), a Hugging Face model card's YAML front
// matter (license, license_name, license_link, base_model) and LICENSE files
// beside the model, whose headings are matched only when nothing else states a
// licence. Terms come from the table in licenses.json, compiled into heft, one
// entry per licence with a link to its text. A licence that is not in the table
// is reported as "unknown — read the licence text" with where that text is,
// never guessed. A fine-tune inherits its base models' terms: they are looked
// up in the Hugging Face cache, else in the table's list of well-known base
// repositories, and a base under another (non-permissive) licence from another
// licensor is reported as a conflict.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/metadata.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::store {

// "yes": allowed; "conditional": allowed only under a condition on commercial use
// itself (a user threshold, no hosting); "no": needs another licence.
enum class Commercial { Yes, Conditional, No };
std::string_view commercial_name(Commercial c);  // "yes", "conditional", "no"

// One licence of the table (fields as documented at the top of licenses.json).
struct LicenseTerms {
  std::string id;        // SPDX id where one exists ("apache-2.0"), else the Hub's ("llama3.1") or the cards' license_name
  std::string name;      // "Llama 3.1 Community License Agreement"
  bool spdx = false;
  std::string licensor;  // "Meta"; empty for licences anyone uses (MIT, Apache)
  std::vector<std::string> aliases;
  std::string url;                 // the licence text
  std::vector<std::string> links;  // other addresses of the same text
  bool permissive = false;         // nothing beyond notices: a derivative under another licence is no conflict
  Commercial commercial = Commercial::Conditional;
  std::string commercial_note;
  uint64_t monthly_active_users = 0;  // the user threshold; 0: none
  std::string user_threshold;
  std::string attribution;
  std::string naming;
  std::string acceptable_use;  // the acceptable / prohibited use policy's address
  std::string restrictions;    // non-commercial, research-only, use-based or share-alike terms
  std::string regional;
  std::vector<std::string> notes;
  bool requires_acceptance = false;  // gated on the Hub: `heft pull` needs --accept-license
  std::vector<std::vector<std::string>> text_markers;
};

// The table, parsed once from the compiled-in licenses.json.
const std::vector<LicenseTerms>& license_table();
// The compiled-in licenses.json itself (generated into the build by CMake).
std::string_view licenses_json();

// A licence by id or alias ("Apache-2.0", "llama3.1", "tongyi-qianwen"); nullptr when unknown.
const LicenseTerms* find_license(std::string_view id_or_alias);
// A licence by the address of its text (a card's license_link); nullptr when unknown.
const LicenseTerms* find_license_by_link(std::string_view url);
// The licence of a well-known repository ("meta-llama/Llama-3.1-8B"), from the
// table's base_models patterns; nullptr when none matches.
const LicenseTerms* license_of_known_repo(std::string_view repo);
// The licence whose heading a LICENSE file's text begins with; nullptr when
// none, or when two licences match equally well.
const LicenseTerms* match_license_text(std::string_view text);

// What describe_license reads. Any part may be missing.
struct LicenseInputs {
  std::string model;                            // what the report is about (a path or ORG/NAME), for display
  std::string card_text;                        // the model card (README.md), front matter included
  std::string card_location;                    // where it came from (a path, or "ORG/NAME README.md")
  const formats::Metadata* metadata = nullptr;  // GGUF metadata (or a header read before downloading)
  std::string metadata_location;
  std::string folder;                           // local folder to look in for LICENSE files and relative license_links
  std::vector<std::string> license_files;       // LICENSE-like files already known (paths); `folder`'s are added
  std::string repo;                             // "org/name" on the Hub, to turn a relative license_link into an address
  bool follow_base_models = true;
  std::string hub_cache;                        // where base models are looked up; empty: hub_cache_dir()
};

// One statement of a licence and what it resolves to.
struct LicenseFinding {
  std::string declared;       // as written: "llama3.1", "other", "Apache-2.0"; empty when nothing is stated
  std::string declared_name;  // license_name / general.license.name
  std::string declared_link;  // license_link / general.license.link, as written
  std::string source;         // "model card", "GGUF metadata", "LICENSE file", "Hugging Face cache", "known base models"
  std::string location;       // the file (or address) that said it
  const LicenseTerms* terms = nullptr;  // the table's entry; nullptr: unknown
  std::string text_location;  // where the licence text is: a file, an address, or empty when nothing says

  bool known() const { return terms != nullptr; }
  bool stated() const { return !declared.empty() || !declared_name.empty() || terms != nullptr; }
  // The id when known, else the custom name, else what was declared, else "none stated".
  std::string display() const;
};

struct BaseModelLicense {
  std::string repo;      // "meta-llama/Llama-3.1-8B", or the name as given
  std::string child;     // the model that names it as its base ("" for the model itself)
  std::string found_in;  // "Hugging Face cache", "known base models", or "" (not found)
  LicenseFinding license;
};

struct LicenseReport {
  std::string model;
  LicenseFinding license;                     // the model's own
  std::vector<BaseModelLicense> base_models;  // its bases, theirs, … in the order met
  std::vector<std::string> license_files;     // licence texts and policies beside the model
  std::vector<std::string> conflicts;         // sentences
  std::vector<const LicenseTerms*> applicable;  // the model's own terms and every known base's, once each

  bool requires_acceptance() const;  // any applicable licence does
  // The strictest of the applicable licences; "unknown" when none is known.
  std::string commercial_use() const;
};

// Gathers, resolves, follows base models and checks for conflicts.
LicenseReport describe_license(const LicenseInputs& in);

// describe_license for a local model: a GGUF file (its metadata; the card and
// LICENSE files beside it), a Hugging Face folder, a safetensors or other
// model file (the folder around it). A file in a Hugging Face cache snapshot
// is read with its snapshot's card and its repository's name. Nothing is
// unpickled or loaded beyond a GGUF's header.
util::Result<LicenseReport> describe_model_license(const std::string& path);

// One paragraph for people: the licence, where it was stated, its key terms,
// inherited terms, conflicts, and whether accepting it is required.
std::string license_summary(const LicenseReport& r);
// {model, license: {...}, base_models: [...], conflicts, license_files,
//  commercial_use, requires_acceptance, summary}.
util::Json license_report_json(const LicenseReport& r);
util::Json license_terms_json(const LicenseTerms& t);

// The phrase every unknown licence is reported with.
inline constexpr std::string_view kUnknownLicense = "unknown — read the licence text";

}  // namespace heft::store
