// libFuzzer target: a tokenizer.json from a stranger. Loading must end in a
// tokenizer or an error value, never a crash or a huge allocation; a loaded
// tokenizer must encode and decode without crashing. Seeds: fuzz/seeds/
// fuzz_tokenizer_json/, the files of tests/tokenizer/fixtures/ with their
// vocabularies cut to a few dozen tokens (loading costs about 0.15 ms a KB
// under ASan and the fuzzer's instrumentation; scripts/fuzz: -max_len=4096).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "tokenizer/hf_loader.h"
#include "tokenizer/streaming_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto tok = heft::tokenizer::tokenizer_from_hf({json, {}, {}, "fuzz.json"});
  if (!tok) return 0;
  // Two encodes per input keep the run fast: a fixed text with special tokens
  // (added, parsed) and the start of the input itself without.
  const std::pair<std::string_view, bool> texts[] = {
      {"Hello world! <s> [CLS] \xE6\x97\xA5\xE6\x9C\xAC 123  x \xF0\x9F\x99\x82 caf\xC3\xA9", true},
      {json.substr(0, 64), false}};
  for (auto [text, special] : texts) {
    auto ids = tok->encode(text, {.add_special = special, .parse_special = special});
    (void)tok->decode(ids);
    heft::tokenizer::StreamingDecoder stream(*tok);
    for (int32_t id : ids) (void)stream.step(id);
    (void)stream.finish();
  }
  return 0;
}
