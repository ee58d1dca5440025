// libFuzzer target: a tokenizer.json from a stranger. Loading must end in a
// tokenizer or an error value, never a crash or a huge allocation; a loaded
// tokenizer must encode and decode without crashing. Seeds: the synthetic
// files in tests/tokenizer/fixtures/.
#include <cstdint>
#include <string>
#include <string_view>

#include "tokenizer/hf_loader.h"
#include "tokenizer/streaming_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto tok = heft::tokenizer::tokenizer_from_hf({json, {}, {}, "fuzz.json"});
  if (!tok) return 0;
  for (std::string_view text : {std::string_view("Hello world! <s> [CLS] \xE6\x97\xA5\xE6\x9C\xAC 123  x"),
                                std::string_view("\xF0\x9F\x99\x82 caf\xC3\xA9"), json.substr(0, 256)}) {
    for (bool special : {false, true}) {
      auto ids = tok->encode(text, {.add_special = special, .parse_special = special});
      (void)tok->decode(ids);
      heft::tokenizer::StreamingDecoder stream(*tok);
      for (int32_t id : ids) (void)stream.step(id);
      (void)stream.finish();
    }
  }
  return 0;
}
