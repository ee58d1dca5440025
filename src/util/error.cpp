#include "util/error.h"

namespace heft::util {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) out += file + ": ";
  if (offset) out += "at byte " + std::to_string(*offset) + ": ";
  out += message;
  return out;
}

}  // namespace heft::util
