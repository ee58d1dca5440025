#pragma once
// UTF-8 and Unicode helpers the tokenizers share. Character properties and
// normalization come from utf8proc; nothing here is a hand-written table
// except the GPT-2 byte<->character map, which is an algorithm, not data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/utf8.h"

namespace heft::tokenizer::unicode {

inline constexpr uint32_t kReplacement = 0xFFFD;

// Length of the UTF-8 sequence a lead byte announces (1 for stray continuation
// bytes), the way llama.cpp's unicode_len_utf8 counts it.
inline size_t lead_length(uint8_t b) {
  static constexpr uint8_t lut[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return lut[b >> 4];
}

// Decodes one well-formed UTF-8 sequence at `at`; returns its length, or 0
// when the bytes there are not valid UTF-8 (overlong, surrogate, truncated...).
size_t decode_valid(std::string_view s, size_t at, uint32_t& cp);

using util::append_utf8;
std::string to_utf8(uint32_t cp);

bool is_valid_utf8(std::string_view s);

// Number of bytes at the end of `s` that form the start of a UTF-8 sequence
// that more bytes could still complete (0 when the tail is complete or invalid).
size_t incomplete_tail(std::string_view s);

// Rust's String::from_utf8_lossy: every maximal invalid subpart becomes U+FFFD.
std::string to_valid_lossy(std::string_view s);

// llama.cpp's unicode_cpts_from_utf8: lenient decoding in which a byte that
// does not start a sequence it can finish becomes U+FFFD and is skipped alone.
// Unlike llama.cpp, decoded values that are not Unicode scalar values
// (surrogates, > 0x10FFFF) also become U+FFFD, so the result always re-encodes.
std::vector<uint32_t> codepoints_lenient(std::string_view s);

// Strict decoding of valid UTF-8 (callers guarantee validity).
std::vector<uint32_t> codepoints(std::string_view s);

// ---- character properties (utf8proc) ----
enum class Category : uint8_t { Other, Letter, Mark, Number, Punctuation, Symbol, Separator };
Category category(uint32_t cp);
bool is_letter(uint32_t cp);
bool is_number(uint32_t cp);       // \p{N}: Nd, Nl, No
bool is_decimal(uint32_t cp);      // Nd
bool is_punctuation(uint32_t cp);  // \p{P}
bool is_symbol(uint32_t cp);       // \p{S}
bool is_mark(uint32_t cp);         // \p{M}
bool is_mark_nonspacing(uint32_t cp);  // Mn
bool is_other(uint32_t cp);        // \p{C}: Cc, Cf, Cs, Co, Cn
bool is_control(uint32_t cp);      // Cc
// The Unicode White_Space property (Rust char::is_whitespace, Oniguruma \s,
// llama.cpp's whitespace set): 9-13, 0x85 and the Z categories.
bool is_whitespace(uint32_t cp);
// Rust regex \w: letters, marks, decimal and letter numbers, connector punctuation, ZWJ/ZWNJ.
bool is_word(uint32_t cp);
bool is_cjk_ideograph(uint32_t cp);  // BERT's "Chinese character" ranges

uint32_t to_lower_simple(uint32_t cp);
// Rust char::to_lowercase (simple mapping plus the one unconditional special case, U+0130).
void append_lower(std::string& out, uint32_t cp);
std::string lowercase(std::string_view s);

// Normalization forms through utf8proc. Input must be valid UTF-8.
enum class Form { NFC, NFD, NFKC, NFKD };
std::string normalize(std::string_view s, Form form);

// ---- GPT-2 byte-level alphabet ----
// Each byte maps to one printable code point (bytes 0x21..0x7E, 0xA1..0xAC and
// 0xAE..0xFF map to themselves; the rest to 0x100 + n, in byte order).
uint32_t byte_to_codepoint(uint8_t b);
// The UTF-8 text of byte_to_codepoint(b).
const std::string& byte_to_utf8(uint8_t b);
// Inverse; -1 when `cp` is not in the alphabet.
int codepoint_to_byte(uint32_t cp);
// Maps every byte of `s` to its alphabet character.
std::string bytes_to_alphabet(std::string_view s);

}  // namespace heft::tokenizer::unicode
