// libFuzzer: arbitrary bytes as a GGUF file. Must end in an error or a file
// whose every tensor view lies inside the input. The input's first half read
// as a header (told the whole size) must agree: the same verdict, or a
// request for more bytes than it had and no more than the file holds.
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
  auto h = heft::formats::parse_gguf_header({data, size / 2}, size, "fuzz.gguf");
  if (!h && mf) __builtin_trap();
  if (h && !h->complete() && (h->needed_bytes <= size / 2 || h->needed_bytes > size)) __builtin_trap();
  if (h && h->complete() && (!mf || h->file.tensors.size() != mf->tensors.size())) __builtin_trap();
  return 0;
}
