#include "model/arch_spec.h"

#include <array>

namespace heft::model {

namespace {

constexpr ArchSpec kLlama{.name = "llama"};

constexpr std::array kArchs = {kLlama};

}  // namespace

const ArchSpec* find_arch(std::string_view name) {
  for (const auto& a : kArchs)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace heft::model
