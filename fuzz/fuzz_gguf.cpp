// libFuzzer: arbitrary bytes as a GGUF file. Must end in an error or a file
// whose every tensor view lies inside the input.
#include <cstddef>
#include <cstdint>

#include "formats/gguf_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto mf = heft::formats::parse_gguf({data, size}, "fuzz.gguf");
  if (mf) {
    volatile uint8_t sink = 0;
    for (const auto& t : mf->tensors)
      if (t.bytes) sink = static_cast<uint8_t>(sink ^ t.data[0] ^ t.data[t.bytes - 1]);
    for (const auto& [k, v] : mf->metadata.entries()) (void)v.to_json(16).dump();
  }
  return 0;
}
