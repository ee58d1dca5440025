#include "formats/open_model.h"

#include <filesystem>

#include "formats/gguf_reader.h"
#include "formats/hf_folder.h"
#include "formats/llama2c.h"
#include "formats/pickle.h"
#include "formats/safetensors.h"
#include "util/mapped_file.h"

namespace heft::formats {

namespace fs = std::filesystem;

util::Result<ModelFile> open_model(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return util::fail("no such file or folder", path);
  if (fs::is_directory(path, ec)) {
    if (looks_like_hf_folder(path)) return read_hf_folder(path);
    for (const char* pickle : {"pytorch_model.bin", "model.pt", "model.pth"})
      if (fs::exists(fs::path(path) / pickle, ec)) return std::unexpected(pickle_refusal((fs::path(path) / pickle).string()));
    return util::fail("folder has no config.json, so it is not a Hugging Face model folder", path);
  }
  if (path.ends_with(".safetensors.index.json")) return read_safetensors_index(path);

  auto mapping = HEFT_TRY(util::MappedFile::open(path));
  auto head = mapping->bytes().first(std::min<size_t>(16, mapping->size()));
  util::Result<ModelFile> mf = [&]() -> util::Result<ModelFile> {
    if (looks_like_gguf(head)) return parse_gguf(mapping->bytes(), path);
    if (looks_like_pickle_checkpoint(head) || (has_pickle_extension(path) && !path.ends_with(".bin")))
      return std::unexpected(pickle_refusal(path));
    if (path.ends_with(".safetensors") || looks_like_safetensors(head, mapping->size()))
      return parse_safetensors(mapping->bytes(), path);
    if (path.ends_with(".gguf")) return parse_gguf(mapping->bytes(), path);  // names the bad magic
    return parse_llama2c(mapping->bytes(), path);
  }();
  if (!mf) {
    // A file we could not place: say what was tried rather than the last reader's complaint.
    if (!looks_like_gguf(head) && !path.ends_with(".safetensors") && !looks_like_safetensors(head, mapping->size()) &&
        !path.ends_with(".gguf") && !path.ends_with(".bin"))
      return util::fail("unrecognised model file: not GGUF, safetensors, a Hugging Face folder or a llama2.c checkpoint",
                        path, 0);
    return mf;
  }
  mf->mappings.push_back(std::move(mapping));
  return mf;
}

}  // namespace heft::formats
