// libFuzzer target: encode arbitrary bytes and arbitrary UTF-8 with a real
// tokenizer (all loaded once), decode back, stream-decode; no crash, no hang,
// and decode(encode(x)) == x wherever the tokenizer guarantees it:
//  - byte-level BPE without a normalizer (GPT-2 tokenizer.json) on valid UTF-8;
//  - SentencePiece with byte fallback (llama.cpp GGUF) on valid UTF-8 that
//    has no U+2581 (the space marker decodes to a space).
// Input: byte 0 picks the tokenizer (modulo their count), byte 1 holds the
// options, the rest is the text: at most kMaxText bytes, since an input costs
// about 0.2 ms plus up to 10 us a byte under ASan and the fuzzer's
// instrumentation (scripts/fuzz passes -max_len=258, and seeds every tokenizer).
// The reference data is found through $HEFT_SHARED_DIR, else ../shared next
// to the source tree.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

using heft::tokenizer::Tokenizer;

namespace {

constexpr size_t kMaxText = 256;

std::string shared_dir() {
  if (const char* env = std::getenv("HEFT_SHARED_DIR")) return env;
  std::string src = __FILE__;  // <repo>/fuzz/fuzz_tokenizer.cpp
  return src.substr(0, src.rfind("/fuzz/")) + "/../shared";
}

struct Loaded {
  std::vector<Tokenizer> all;
  const Tokenizer* gpt2 = nullptr;  // byte-level BPE, no normalizer
  const Tokenizer* spm = nullptr;   // llama.cpp SentencePiece with byte fallback
};

const Loaded& tokenizers() {
  static const Loaded loaded = [] {
    Loaded l;
    const std::string dir = shared_dir();
    const char* paths[] = {
        "tokenizers/gpt2/tokenizer.json",             // byte-level BPE (tokenizers rules)
        "vocab/ggml-vocab-llama-spm.gguf",            // SentencePiece BPE (llama.cpp rules)
        "tokenizers/bert-base-uncased/tokenizer.json",  // WordPiece with BertNormalizer
        "vocab/ggml-vocab-bert-bge.gguf",             // llama.cpp WPM
        "vocab/ggml-vocab-deepseek-llm.gguf",         // llama.cpp BPE with several regexes
        "tokenizers/mistral",                         // Metaspace + byte fallback (tokenizers rules)
        "models/TinyStories-656K-gguf/tinystories-656k-f32.gguf",  // no byte tokens: <unk> path
    };
    l.all.reserve(std::size(paths));
    for (const char* p : paths) {
      auto t = heft::tokenizer::load_tokenizer_path(dir + "/" + p);
      if (!t) {
        std::fprintf(stderr, "fuzz_tokenizer: cannot load %s: %s\n", p, t.error().to_string().c_str());
        std::abort();
      }
      l.all.push_back(std::move(*t));
    }
    l.gpt2 = &l.all[0];
    l.spm = &l.all[1];
    return l;
  }();
  return loaded;
}

void check(bool ok, const char* what, const std::string& input) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_tokenizer: %s failed for input of %zu bytes\n", what, input.size());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const Loaded& l = tokenizers();
  const Tokenizer& tok = l.all[data[0] % l.all.size()];
  const uint8_t mode = data[1];
  std::string raw(reinterpret_cast<const char*>(data + 2), std::min(size - 2, kMaxText));
  const bool as_utf8 = mode & 1;
  const std::string text = as_utf8 ? heft::tokenizer::unicode::to_valid_lossy(raw) : raw;
  const heft::tokenizer::EncodeOptions opt{.add_special = (mode & 2) != 0, .parse_special = (mode & 4) != 0};

  std::vector<int32_t> ids = tok.encode(text, opt);
  for (int32_t id : ids) check(tok.valid(id), "ids inside the vocabulary", text);
  std::string back = tok.decode(ids, {.skip_special = (mode & 8) != 0});
  (void)back;
  heft::tokenizer::StreamingDecoder stream(tok);
  for (int32_t id : ids)
    check(heft::tokenizer::unicode::is_valid_utf8(stream.step(id)), "streamed pieces are valid UTF-8", text);
  check(heft::tokenizer::unicode::is_valid_utf8(stream.finish()), "stream end is valid UTF-8", text);
  for (int32_t id : ids) (void)tok.token_to_piece(id);

  if (heft::tokenizer::unicode::is_valid_utf8(text)) {
    const heft::tokenizer::EncodeOptions plain{.add_special = false, .parse_special = false};
    if (&tok == l.gpt2) check(tok.decode(tok.encode(text, plain)) == text, "byte-level BPE round trip", text);
    if (&tok == l.spm && text.find("\xE2\x96\x81") == std::string::npos)
      check(tok.decode(tok.encode(text, plain)) == text, "SentencePiece round trip", text);
  }
  return 0;
}
