// libFuzzer: arbitrary bytes as a safetensors file, and as a llama2.c checkpoint.
#include <cstddef>
#include <cstdint>

#include "formats/llama2c.h"
#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  volatile uint8_t sink = 0;
  if (auto mf = heft::formats::parse_safetensors({data, size}, "fuzz.safetensors"))
    for (const auto& t : mf->tensors)
      if (t.bytes) sink = static_cast<uint8_t>(sink ^ t.data[0] ^ t.data[t.bytes - 1]);
  if (auto mf = heft::formats::parse_llama2c({data, size}, "fuzz.bin"))
    for (const auto& t : mf->tensors)
      if (t.bytes) sink = static_cast<uint8_t>(sink ^ t.data[t.bytes - 1]);
  return 0;
}
