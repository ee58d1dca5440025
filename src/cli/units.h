#pragma once
// Sizes as the CLI prints them.
#include <cstdint>
#include <string>

namespace heft::cli {

// "512 B", "1.50 KiB", "3.20 GiB".
std::string human_bytes(uint64_t bytes);

}  // namespace heft::cli
