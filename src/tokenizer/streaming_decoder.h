#pragma once
// Token ids in, text out, one id at a time, for the generation loop. Every
// piece it returns is valid UTF-8: bytes of a character that is not complete
// yet are held back until the id that completes it arrives.
//  - GGUF (llama.cpp): the text is the concatenation of token pieces, as
//    llama.cpp's generation prints them; held bytes that can never become a
//    character are written as U+FFFD.
//  - tokenizer.json (Hugging Face): tokenizers' DecodeStream, which decodes a
//    short window of ids and emits what the newest id added, so decoders that
//    look at neighbours (Metaspace, Strip, WordPiece) come out as a whole
//    decode would.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace heft::tokenizer {

class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tok, DecodeOptions opt = {}) : tok_(tok), opt_(opt) {}

  // Feeds one id; returns the text that is now final (possibly empty).
  std::string step(int32_t id);
  // Ends the stream: whatever is still held back (an incomplete character
  // becomes U+FFFD). The decoder is then ready for a new stream.
  std::string finish();
  void reset();

 private:
  std::string step_pieces(int32_t id);
  std::string step_window(int32_t id);

  const Tokenizer& tok_;
  DecodeOptions opt_;
  std::string pending_;          // llama.cpp: bytes not emitted yet
  std::vector<int32_t> window_;  // Hugging Face: ids whose text is partly emitted
  std::string prefix_;           // decode of the ids before prefix_index_, already emitted
  size_t prefix_index_ = 0;
};

}  // namespace heft::tokenizer
