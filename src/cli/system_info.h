#pragma once

namespace heft::cli {

// `heft inspect --system`: CPU model, SIMD features, cores, memory. Returns 0.
int print_system_info(bool json);

}  // namespace heft::cli
