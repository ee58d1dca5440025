// libFuzzer: arbitrary bytes as a GBNF grammar (its parser, left-recursion
// check and automaton), then the same bytes checked against the grammar and
// walked through a small vocabulary's token masks.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/check.h"
#include "grammar/gbnf.h"
#include "grammar/token_mask.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heft::grammar;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto g = parse_gbnf(text, "root", [](std::string_view t) { return t.size() < 4 ? static_cast<int32_t>(t.size()) : -1; });
  if (!g) return 0;
  volatile size_t sink = check(*g, text).offset;
  static const auto vocab = [] {
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) pieces.push_back(std::string(1, static_cast<char>(b)));
    for (const char* p : {"ab", "{\"", "\xC3\xA9", "\xE2\x82", "</s>"}) pieces.push_back(p);
    std::vector<VocabIndex::Kind> kinds(pieces.size(), VocabIndex::Kind::Text);
    kinds.back() = VocabIndex::Kind::EndOfGeneration;
    return std::make_shared<const VocabIndex>(pieces, kinds);
  }();
  TokenConstraint c(std::make_shared<const Grammar>(std::move(*g)), vocab);
  uint32_t s = c.start();
  // Follow the input's own bytes as tokens while the grammar allows them.
  for (size_t i = 0; i < size && i < 64; ++i) {
    const auto& m = c.allowed(s);
    const auto id = static_cast<int32_t>(data[i]);
    if (!mask_has(m, id)) break;
    s = c.advance(s, id);
    if (s == Machine::kDead) {
      if (c.machine().exhausted()) break;  // past the matcher's limits: a refusal, allowed
      __builtin_trap();                    // the mask allowed a token the grammar refuses
    }
    sink = sink + c.finished(s);
  }
  return 0;
}
