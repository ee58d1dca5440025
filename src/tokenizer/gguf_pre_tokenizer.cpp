#include "tokenizer/gguf_pre_tokenizer.h"

#include <array>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

// Split regexes by llama.cpp pre-tokenizer type. \s means the White_Space
// property here (see regex.h), which is what llama.cpp's hand-written
// splitters for the GPT-2/Llama 3/Qwen2 patterns implement.
constexpr const char* kContractions = R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]))";
const std::string kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
const std::string kLlama3 = std::string(kContractions) +
                            R"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const std::string kQwen2 = std::string(kContractions) +
                           R"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const std::string kNewlines = R"([^\n]+|[\n]+)";
const std::string kCjkDeepseek = "[\xE4\xB8\x80-\xE9\xBE\xA5\xE0\xA0\x80-\xE4\xB8\x80\xEA\xB0\x80-\xED\x9F\xBF]+";
// llama.cpp's custom digit grouping (AFMoE, Tiny Aya): a digit run is cut into
// a leading group of len % 3 digits and then groups of three, and the text
// before the run stays glued to its first group.
const std::string kAfmoeDigits = R"(\P{N}*(?:\p{N}{1,2}(?=(?:\p{N}{3})*(?!\p{N}))|\p{N}{3}))";

struct Names {
  const char* type;
  std::vector<const char*> names;
};

// tokenizer.ggml.pre value -> pre-type, as llama.cpp maps them.
const std::vector<Names>& name_table() {
  static const std::vector<Names> t = {
      {"default", {"default"}},
      {"minicpm5", {"minicpm5"}},
      {"llama3", {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"}},
      {"deepseek-llm", {"deepseek-llm"}},
      {"deepseek-coder", {"deepseek-coder"}},
      {"deepseek-v3", {"deepseek-v3"}},
      {"youtu", {"youtu"}},
      {"falcon", {"falcon"}},
      {"mpt", {"mpt"}},
      {"starcoder", {"starcoder"}},
      {"gpt2", {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                "modern-bert", "exaone4"}},
      {"jais2", {"jais-2"}},
      {"gemma4", {"gemma4", "granite-embed-multi-311m"}},
      {"sarvam-moe", {"sarvam-moe"}},
      {"gpt2-sep", {"jina-v1-en", "jina-v2-code", "roberta-bpe"}},
      {"whitespace", {"whitespace"}},
      {"refact", {"refact"}},
      {"command-r", {"command-r"}},
      {"qwen2", {"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez"}},
      {"qwen35", {"qwen35"}},
      {"stablelm2", {"stablelm2"}},
      {"olmo", {"olmo"}},
      {"dbrx", {"dbrx"}},
      {"smaug", {"smaug-bpe"}},
      {"poro", {"poro-chat"}},
      {"chatglm4", {"glm4", "chatglm-bpe"}},
      {"viking", {"viking"}},
      {"jais", {"jais"}},
      {"tekken", {"tekken"}},
      {"smollm", {"smollm"}},
      {"codeshell", {"codeshell"}},
      {"bloom", {"bloom"}},
      {"gpt3-finnish", {"gpt3-finnish"}},
      {"exaone", {"exaone"}},
      {"exaone-moe", {"exaone-moe"}},
      {"chameleon", {"chameleon"}},
      {"minerva", {"minerva-7b"}},
      {"gpt4o", {"gpt-4o", "llama4", "kanana2", "talkie"}},
      {"granite-emb-multi", {"granite-embed-multi-97m"}},
      {"tiny-aya", {"tiny_aya", "cohere2moe"}},
      {"superbpe", {"superbpe"}},
      {"trillion", {"trillion"}},
      {"granite-docling", {"granite-docling"}},
      {"bailingmoe", {"bailingmoe", "bailingmoe2", "llada-moe"}},
      {"seed-coder", {"seed-coder"}},
      {"hunyuan", {"hunyuan"}},
      {"hunyuan-dense", {"hunyuan-dense"}},
      {"joyai-llm", {"joyai-llm"}},
      {"kimi-k2", {"kimi-k2"}},
      {"grok-2", {"grok-2"}},
      {"afmoe", {"afmoe"}},
      {"laguna", {"laguna"}},
      {"minimax-m2", {"minimax-m2"}},
      {"solar-open", {"solar-open"}},
      {"mellum2", {"mellum2"}},
  };
  return t;
}

void fill(GgufPreConfig& c) {
  const std::string& t = c.type;
  const std::string mixed_case_words =
      R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+)" + std::string("(?:") + kContractions +
      ")?" + R"(|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*)" + "(?:" + kContractions + ")?";
  if (t == "llama3" || t == "dbrx" || t == "smaug" || t == "chatglm4") {
    c.regexes = {kLlama3};
  } else if (t == "jais2") {
    c.regexes = {std::string(kContractions) +
                 R"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})"};
  } else if (t == "deepseek-llm") {
    c.regexes = {
        R"([\r\n])",
        "\\s?[A-Za-z\xC2\xB5\xC3\x80-\xC3\x96\xC3\x98-\xC3\xB6\xC3\xB8-\xC6\xBA\xC6\xBC-\xC6\xBF\xC7\x84-\xCA\x93\xCA\x95-\xCA\xAF\xCD\xB0-\xCD\xB3\xCD\xB6\xCD\xB7\xCD\xBB-\xCD\xBD\xCD\xBF\xCE\x86\xCE\x88-\xCE\x8A\xCE\x8C\xCE\x8E-\xCE\xA1\xCE\xA3-\xCF\xB5\xCF\xB7-\xD2\x81\xD2\x8A-\xD4\xAF\xD4\xB1-\xD5\x96\xE1\x82\xA0-\xE1\x83\x85\xE1\x8E\xA0-\xE1\x8F\xB5\xE1\x8F\xB8-\xE1\x8F\xBD\xE1\xB2\x90-\xE1\xB2\xBA\xE1\xB2\xBD-\xE1\xB2\xBF\xE1\xB4\x80-\xE1\xB4\xAB\xE1\xB5\xAB-\xE1\xB5\xB7\xE1\xB5\xB9-\xE1\xB6\x9A\xE1\xB8\x80-\xE1\xBC\x95\xE1\xBC\x98-\xE1\xBC\x9D\xE1\xBC\xA0-\xE1\xBD\x85\xE1\xBD\x88-\xE1\xBD\x8D\xE1\xBD\x90-\xE1\xBD\x97\xE1\xBD\x99\xE1\xBD\x9B\xE1\xBD\x9D\xE1\xBD\x9F-\xE1\xBD\xBD\xE1\xBE\x80-\xE1\xBE\xB4\xE1\xBE\xB6-\xE1\xBE\xBC\xE1\xBE\xBE\xE1\xBF\x82-\xE1\xBF\x84\xE1\xBF\x86-\xE1\xBF\x8C\xE1\xBF\x90-\xE1\xBF\x93\xE1\xBF\x96-\xE1\xBF\x9B\xE1\xBF\xA0-\xE1\xBF\xAC\xE1\xBF\xB2-\xE1\xBF\xB4\xE1\xBF\xB6-\xE1\xBF\xBC\xE2\x84\x82\xE2\x84\x87\xE2\x84\x8A-\xE2\x84\x93\xE2\x84\x95\xE2\x84\x99-\xE2\x84\x9D\xE2\x84\xA4\xE2\x84\xA6\xE2\x84\xA8\xE2\x84\xAA-\xE2\x84\xAD\xE2\x84\xAF-\xE2\x84\xB4\xE2\x84\xB9\xE2\x84\xBC-\xE2\x84\xBF\xE2\x85\x85-\xE2\x85\x89\xE2\x85\x8E\xE2\x86\x83\xE2\x86\x84\xE2\xB0\x80-\xE2\xB1\xBB\xE2\xB1\xBE-\xE2\xB3\xA4\xE2\xB3\xAB-\xE2\xB3\xAE\xE2\xB3\xB2\xE2\xB3\xB3\xEA\x99\x80-\xEA\x99\xAD\xEA\x9A\x80-\xEA\x9A\x9B\xEA\x9C\xA2-\xEA\x9D\xAF\xEA\x9D\xB1-\xEA\x9E\x87\xEA\x9E\x8B-\xEA\x9E\x8E\xEA\xAD\xB0-\xEA\xAE\xBF\xEF\xAC\x80-\xEF\xAC\x86\xEF\xAC\x93-\xEF\xAC\x97\xEF\xBC\xA1-\xEF\xBC\xBA\xEF\xBD\x81-\xEF\xBD\x9A\xF0\x90\x90\x80-\xF0\x90\x91\x8F\xF0\x90\x92\xB0-\xF0\x90\x93\x93\xF0\x90\x93\x98-\xF0\x90\x93\xBB\xF0\x90\xB2\x80-\xF0\x90\xB2\xB2\xF0\x90\xB3\x80-\xF0\x90\xB3\xB2\xF0\x91\xA2\xA0-\xF0\x91\xA3\x9F\xF0\x9E\xA4\x80-\xF0\x9E\xA5\x83]+",
        "\\s?[!-/:-~\xEF\xBC\x81-\xEF\xBC\x8F\xEF\xBC\x9A-\xEF\xBD\x9E\xE2\x80\x98-\xE2\x80\x9F\xE3\x80\x80-\xE3\x80\x82]+",
        R"(\s+$)",
        kCjkDeepseek,
        R"(\p{N}+)",
    };
  } else if (t == "deepseek-v3" || t == "hunyuan-dense" || t == "joyai-llm") {
    c.regexes = {
        R"(\p{N}{1,3})",
        "[\xE4\xB8\x80-\xE9\xBE\xA5\xE3\x81\x80-\xE3\x82\x9F\xE3\x82\xA0-\xE3\x83\xBF]+",
        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
    };
  } else if (t == "youtu") {
    c.regexes = {
        "[\xEA\xB0\x80-\xED\x9E\xA3\xE3\x84\xB1-\xE3\x86\x8E]+|[\xEF\xBC\x81\xE2\x80\xA6\xE2\x80\x9C\xE2\x80\x9D\xE2\x80\x98\xE2\x80\x99\xE2\x80\x94\xEF\xBC\x9A\xEF\xBC\x9B\xEF\xBC\x8C\xE3\x80\x81-\xE3\x80\xBF\xEF\xB8\xB0-\xEF\xB9\x8F]+|[\xE3\x84\x85-\xE3\x84\xAF]+|[\xE4\xB8\x80-\xE9\xBE\xA5\xE3\x81\x80-\xE3\x82\x9F\xE3\x82\xA0-\xE3\x83\xBF]+",
        R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+)" + std::string("(?:") +
            kContractions + ")?" + R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*)" +
            "(?:" + kContractions + ")?" + R"(|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
    };
  } else if (t == "deepseek-coder") {
    c.regexes = {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjkDeepseek, R"(\p{N})"};
  } else if (t == "falcon") {
    c.regexes = {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"};
  } else if (t == "starcoder" || t == "refact" || t == "command-r" || t == "smollm" || t == "codeshell" ||
             t == "exaone" || t == "minerva" || t == "mellum2") {
    c.regexes = {R"(\p{N})", kGpt2};
  } else if (t == "gpt2" || t == "gpt2-sep" || t == "mpt" || t == "olmo" || t == "jais" || t == "trillion" ||
             t == "granite-docling") {
    c.regexes = {kGpt2};
  } else if (t == "stablelm2" || t == "qwen2" || t == "hunyuan" || t == "solar-open" || t == "grok-2") {
    c.regexes = {kQwen2};
  } else if (t == "qwen35") {
    c.regexes = {std::string(kContractions) +
                 R"(|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "poro" || t == "bloom" || t == "gpt3-finnish") {
    c.regexes = {" ?[^(\\s|.,!?\xE2\x80\xA6\xE3\x80\x82\xEF\xBC\x8C\xE3\x80\x81\xE0\xA5\xA4\xDB\x94\xD8\x8C)]+"};
  } else if (t == "viking") {
    c.regexes = {" ?[^(\\s|.,!?\xE2\x80\xA6\xE3\x80\x82\xEF\xBC\x8C\xE3\x80\x81\xE0\xA5\xA4\xDB\x94\xD8\x8C)]+",
                 R"(\p{N})"};
  } else if (t == "tekken") {
    c.regexes = {R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "chameleon") {
    c.regexes = {"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", R"(\p{N})",
                 R"([\p{P}!-/:-@\[-`{-~])", kGpt2};
  } else if (t == "gpt4o" || t == "minimax-m2") {
    c.regexes = {mixed_case_words + R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "granite-emb-multi") {
    std::string w = mixed_case_words;
    for (size_t at = w.find("(?=[\\p{L}])"); at != std::string::npos; at = w.find("(?=[\\p{L}])", at + 1))
      w.replace(at, 11, "(?=[\\p{L}\\p{M}])");
    c.regexes = {w + R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "tiny-aya") {
    c.regexes = {kAfmoeDigits,
                 R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+)" + std::string("(?:") +
                     kContractions + ")?" +
                     R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*)" + "(?:" +
                     kContractions + ")?" + R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "kimi-k2") {
    // llama.cpp implements Kimi K2's pattern (class intersections, which
    // PCRE2 lacks) by hand; this is the same pattern written with lookaheads.
    c.dialect = RegexDialect::Onig;
    const std::string upper = R"((?:(?!\p{Han})[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]))";
    const std::string lower = R"((?:(?!\p{Han})[\p{Ll}\p{Lm}\p{Lo}\p{M}]))";
    const std::string contr = "(?:" + std::string(kContractions) + ")?";
    c.regexes = {R"(\p{Han}+|[^\r\n\p{L}\p{N}]?)" + upper + "*" + lower + "+" + contr + R"(|[^\r\n\p{L}\p{N}]?)" +
                 upper + "+" + lower + "*" + contr +
                 R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "superbpe") {
    c.regexes = {R"(\p{N}+)", R"((?=(\d{3})+(?!\d)))"};
  } else if (t == "bailingmoe") {
    c.regexes = {R"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)"};
  } else if (t == "seed-coder") {
    c.regexes = {std::string(kContractions) +
                 R"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "afmoe") {
    c.regexes = {
        kAfmoeDigits,
        "[\xE4\xB8\x80-\xE9\xBF\xBF\xE3\x90\x80-\xE4\xB6\xBF\xE8\xB1\x88-\xEF\xAB\xBF\xE3\x81\x80-\xE3\x82\x9F\xE3\x82\xA0-\xE3\x83\xBF\xEF\xBD\xA5-\xEF\xBE\x9F\xE2\xBC\x80-\xE2\xBF\x9F\xE0\xB9\x80-\xE0\xB9\xBF\xE0\xBA\x80-\xE0\xBB\xBF\xE1\x9E\x80-\xE1\x9F\xBF\xE1\x80\x80-\xE1\x82\x9F\xEA\xA9\xA0-\xEA\xA9\xBF\xEA\xA7\xA0-\xEA\xA7\xBF\xEA\xB0\x80-\xED\x9E\xAF\xE1\x84\x80-\xE1\x87\xBF]+",
        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
    };
  } else if (t == "laguna") {
    c.regexes = {kNewlines, kQwen2};
  } else if (t == "exaone-moe") {
    c.regexes = {std::string(kContractions) +
                 R"(|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)"};
  } else if (t == "gemma4" || t == "sarvam-moe") {
    c.regexes = {kNewlines};
    c.byte_encode = false;
  } else if (t == "minicpm5") {
    c.regexes = {R"(\p{N}{1,3})", std::string(kContractions) +
                                      R"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
  } else if (t == "whitespace") {
    c.regexes = {R"(\S+)"};
    c.byte_encode = false;
  } else {  // default
    c.regexes = {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"};
  }

  // Flags llama.cpp sets per name.
  static const std::array<const char*, 25> no_clean = {
      "deepseek-llm", "deepseek-coder", "deepseek-v3", "youtu", "sarvam-moe", "command-r", "qwen2", "qwen35",
      "poro", "viking", "tekken", "smollm", "chameleon", "gpt4o", "granite-emb-multi", "tiny-aya", "superbpe",
      "trillion", "granite-docling", "bailingmoe", "seed-coder", "hunyuan", "hunyuan-dense", "joyai-llm", "kimi-k2"};
  for (const char* n : no_clean)
    if (t == n) c.clean_spaces = false;
  for (const char* n : {"grok-2", "afmoe", "laguna", "minimax-m2", "solar-open"})
    if (t == n) c.clean_spaces = false;
  for (const char* n : {"minicpm5", "llama3", "youtu", "tekken", "granite-emb-multi"})
    if (t == n) c.ignore_merges = true;
  for (const char* n : {"llama3", "tekken", "chameleon"})
    if (t == n) c.add_bos = true;
  if (t == "gemma4" || t == "sarvam-moe") c.escape_whitespaces = true;
  if (t == "gpt2-sep") c.add_sep = true;
  if (t == "chatglm4") c.bos_none = true;
}

}  // namespace

util::Result<GgufPreConfig> gguf_pre_config(std::string_view pre) {
  GgufPreConfig c;
  if (pre.empty()) {
    c.type = "default";
  } else {
    for (const Names& n : name_table())
      for (const char* name : n.names)
        if (pre == name) c.type = n.type;
    if (c.type.empty()) return util::fail("unknown pre-tokenizer type: '" + std::string(pre) + "'");
  }
  fill(c);
  return c;
}

std::vector<std::string> gguf_pre_names() {
  std::vector<std::string> out;
  for (const Names& n : name_table())
    if (!n.names.empty()) out.emplace_back(n.names.front());
  return out;
}

util::Result<GgufPreTokenizer> GgufPreTokenizer::build(const GgufPreConfig& cfg) {
  GgufPreTokenizer p;
  p.byte_encode_ = cfg.byte_encode;
  for (const std::string& r : cfg.regexes) {
    auto re = Regex::compile(r, cfg.dialect);
    if (!re) return std::unexpected(re.error());
    bool non_ascii = false;
    for (char ch : r) non_ascii |= static_cast<uint8_t>(ch) >= 0x80;
    bool categories = r.find("\\p{") != std::string::npos || r.find("\\P{") != std::string::npos;
    p.stages_.push_back({std::move(*re), non_ascii && !categories});
  }
  return p;
}

std::vector<std::string> GgufPreTokenizer::split(std::string_view input) const {
  // llama.cpp decodes leniently (bad bytes become U+FFFD) and works on the result.
  std::string text;
  text.reserve(input.size());
  bool has_wide_space = false;
  for (uint32_t cp : unicode::codepoints_lenient(input)) {
    if (cp >= 0x80 && unicode::is_whitespace(cp)) has_wide_space = true;
    unicode::append_utf8(text, cp);
  }

  std::vector<std::pair<size_t, size_t>> pieces{{0, text.size()}};
  for (const Stage& st : stages_) {
    std::vector<std::pair<size_t, size_t>> next;
    next.reserve(pieces.size() * 2);
    for (auto [b, e] : pieces) {
      std::string_view piece = std::string_view(text).substr(b, e - b);
      std::vector<std::pair<size_t, size_t>> matches;
      if (st.non_ascii_literal && has_wide_space) {
        // llama.cpp maps non-ASCII whitespace to U+000B before std::wregex sees
        // the text, so such characters never match a literal in the pattern.
        std::string mapped;
        std::vector<size_t> orig;  // byte offset in `piece` of each mapped byte, plus the end
        for (size_t i = 0; i < piece.size();) {
          uint32_t cp;
          size_t n = unicode::decode_valid(piece, i, cp);
          if (n == 0) n = 1, cp = unicode::kReplacement;
          size_t before = mapped.size();
          if (cp >= 0x80 && unicode::is_whitespace(cp)) mapped.push_back('\x0B');
          else mapped.append(piece.substr(i, n));
          for (size_t k = before; k < mapped.size(); ++k) orig.push_back(i);
          i += n;
        }
        orig.push_back(piece.size());
        for (auto [mb, me] : st.regex.find_all(mapped)) matches.emplace_back(orig[mb], orig[me]);
      } else {
        matches = st.regex.find_all(piece);
      }
      size_t prev = 0;
      for (auto [mb, me] : matches) {
        if (mb > prev) next.emplace_back(b + prev, b + mb);
        if (me > mb) next.emplace_back(b + mb, b + me);
        prev = me;
      }
      if (prev < piece.size()) next.emplace_back(b + prev, e);
    }
    pieces = std::move(next);
  }

  std::vector<std::string> words;
  words.reserve(pieces.size());
  for (auto [b, e] : pieces) {
    std::string_view w = std::string_view(text).substr(b, e - b);
    words.push_back(byte_encode_ ? unicode::bytes_to_alphabet(w) : std::string(w));
  }
  return words;
}

}  // namespace heft::tokenizer
