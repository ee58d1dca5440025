#include "formats/open_model.h"

#include <filesystem>

#include "formats/gguf_reader.h"
#include "util/mapped_file.h"

namespace heft::formats {

namespace fs = std::filesystem;

util::Result<ModelFile> open_model(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return util::fail("no such file or folder", path);
  return read_gguf(path);
}

}  // namespace heft::formats
