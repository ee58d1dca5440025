#include "formats/pickle.h"

#include <array>
#include <string_view>

namespace heft::formats {

bool looks_like_pickle_checkpoint(std::span<const uint8_t> b) {
  if (b.size() >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) return true;  // torch zip
  return b.size() >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5;                         // PROTO opcode
}

bool has_pickle_extension(const std::string& path) {
  for (std::string_view ext : {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"})
    if (path.size() >= ext.size() && std::string_view(path).substr(path.size() - ext.size()) == ext) return true;
  return false;
}

util::Error pickle_refusal(const std::string& path) {
  return util::Error(
      "this is a PyTorch pickle checkpoint; loading a pickle can run arbitrary code, so heft refuses it. "
      "Use the model's .safetensors weights instead (most Hugging Face repositories publish them, or convert "
      "with a trusted tool in a sandbox)",
      path);
}

}  // namespace heft::formats
