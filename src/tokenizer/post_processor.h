#pragma once
// Hugging Face post-processors (tokenizer.json "post_processor") reduced to
// what a single sequence needs: the ids put before and after it when special
// tokens are added. TemplateProcessing, BertProcessing, RobertaProcessing,
// ByteLevel (adds nothing) and Sequence all come down to that.
#include <cstdint>
#include <vector>

namespace heft::tokenizer {

struct PostProcessor {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;

  void apply(std::vector<int32_t>& ids) const {
    ids.insert(ids.begin(), prefix.begin(), prefix.end());
    ids.insert(ids.end(), suffix.begin(), suffix.end());
  }
  // Sequence: `inner` wraps first, then this one wraps the result.
  void wrap(const PostProcessor& outer) {
    prefix.insert(prefix.begin(), outer.prefix.begin(), outer.prefix.end());
    suffix.insert(suffix.end(), outer.suffix.begin(), outer.suffix.end());
  }
};

}  // namespace heft::tokenizer
