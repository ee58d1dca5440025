// What `heft pull`, `heft show` and `heft license` read from the Hub and from
// model repositories: a tree-listing page, a model card and the licence found
// in it. Any bytes: an error or a result, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/model_card.h"
#include "store/hub_api.h"
#include "store/license.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<heft::store::RepoFile> files;
  (void)heft::store::parse_tree_page(text, "fuzz", files);
  for (const auto& f : files) (void)heft::store::safe_repo_path(f.path);
  heft::store::LicenseInputs in{.model = "fuzz", .card_text = text, .card_location = "fuzz", .repo = "org/name",
                                .follow_base_models = false};
  (void)heft::store::describe_license(in);
  return 0;
}
