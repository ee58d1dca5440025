#include "grammar/check.h"

#include <memory>

#include "grammar/machine.h"

namespace heft::grammar {

CheckResult check(const Grammar& g, std::string_view text) {
  Machine m(std::make_shared<const Grammar>(g));
  CheckResult r;
  uint32_t s = m.start();
  for (size_t i = 0; i < text.size(); ++i) {
    const uint32_t n = m.step(s, static_cast<uint8_t>(text[i]));
    if (n == Machine::kDead) {
      r.too_complex = m.exhausted();
      // Report the start of the character that failed, not its continuation byte.
      size_t at = i;
      while (at > 0 && (static_cast<uint8_t>(text[at]) & 0xC0) == 0x80) --at;
      r.offset = at;
      r.expected = m.expected(s);
      return r;
    }
    s = n;
  }
  r.offset = text.size();
  r.accepted = m.accepting(s);
  r.incomplete = !r.accepted;
  if (!r.accepted) r.expected = m.expected(s);
  return r;
}

}  // namespace heft::grammar
