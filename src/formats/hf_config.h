#pragma once
// Hugging Face config.json / generation_config.json / model card → GGUF-named
// metadata, so everything downstream reads one vocabulary of keys.
#include <optional>
#include <string>

#include "formats/metadata.h"
#include "formats/model_card.h"
#include "util/error.h"
#include "util/json.h"

namespace heft::formats {

// "LlamaForCausalLM" → "llama", ...; nullopt for architectures heft does not know.
std::optional<std::string> gguf_arch_for(const std::string& hf_architecture);

// Writes general.architecture and the "{arch}.*" hyper-parameters.
util::Result<void> translate_hf_config(const util::Json& config, Metadata& md, const std::string& source);
// Sampling defaults → general.sampling.* (as llama.cpp's converter writes them).
void translate_generation_config(const util::Json& gen, Metadata& md);
// license, license_name, license_link, base_model, tags (+ pipeline_tag), language, datasets.
void translate_model_card(const ModelCard& card, Metadata& md);

}  // namespace heft::formats
