#include "store/pull_checks.h"

#include <filesystem>

#include <fmt/format.h>

#include "formats/gguf_reader.h"
#include "formats/hf_config.h"
#include "formats/safetensors.h"
#include "model/arch_spec.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::store {

namespace {
// Beyond this a header is not worth fetching ahead of the data: let the download decide.
constexpr uint64_t kMaxHeaderFetch = 256ull << 20;
}  // namespace

PrefixCheck gguf_support_check(uint64_t file_size, const std::string& display,
                               std::function<void(const formats::Metadata&)> on_metadata) {
  return [=](std::span<const uint8_t> prefix) -> util::Result<uint64_t> {
    auto h = formats::parse_gguf_header(prefix, file_size, display);
    if (!h) return std::unexpected(std::move(h.error()));
    if (!h->complete()) {
      if (h->needed_bytes > kMaxHeaderFetch) return util::fail(fmt::format("the GGUF header is larger than {} MiB", kMaxHeaderFetch >> 20), display);
      return std::max<uint64_t>(h->needed_bytes, prefix.size() * 2);
    }
    const auto& md = h->file.metadata;
    if (on_metadata) on_metadata(md);
    const std::string arch = md.get_string("general.architecture").value_or("");
    if (arch.empty()) return util::fail("the GGUF names no architecture (general.architecture)", display);
    if (!model::find_arch(arch))
      return util::fail(fmt::format("architecture '{}' is not one heft runs ({})", arch, model::arch_names()), display);
    return 0;
  };
}

PrefixCheck safetensors_support_check(uint64_t file_size, const std::string& display) {
  return [=](std::span<const uint8_t> prefix) -> util::Result<uint64_t> {
    if (prefix.size() < 8) return file_size < 8 ? util::fail("not a safetensors file", display) : util::Result<uint64_t>(8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | prefix[static_cast<size_t>(i)];
    if (n > formats::kMaxSafetensorsHeader || 8 + n > file_size) return util::fail("the safetensors header length is impossible", display, 0);
    if (prefix.size() < 8 + n) return 8 + n;
    auto j = util::Json::parse(std::string_view(reinterpret_cast<const char*>(prefix.data()) + 8, n), display);
    if (!j || !j->is_object()) return util::fail("the safetensors header is not a JSON object", display, 8);
    for (const auto& [name, t] : j->as_object()) {
      if (name == "__metadata__") continue;
      const std::string dtype = t.is_object() ? t.get_string("dtype") : "";
      if (!formats::safetensors_dtype(dtype))
        return util::fail(fmt::format("tensor '{}' has dtype '{}', which heft does not read", name, dtype), display);
    }
    return 0;
  };
}

util::Result<void> check_checkpoint_config(const std::string& snapshot_dir) {
  const std::string path = (std::filesystem::path(snapshot_dir) / "config.json").string();
  auto text = util::read_file(path, 16 << 20);
  if (!text) return util::fail("the repository has no config.json: heft cannot tell what model its weights are", path);
  auto j = HEFT_TRY(util::Json::parse(*text, path));
  const auto* archs = j.find("architectures");
  if (!archs || !archs->is_array() || archs->as_array().empty() || !archs->as_array()[0].is_string())
    return util::fail("config.json names no architecture (architectures)", path);
  const std::string hf = archs->as_array()[0].as_string();
  const auto arch = formats::gguf_arch_for(hf);
  if (!arch || !model::find_arch(*arch))
    return util::fail(fmt::format("architecture '{}' is not one heft runs ({})", hf, model::arch_names()), path);
  return {};
}

}  // namespace heft::store
