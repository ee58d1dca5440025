// Unit tests of the tokenizer's parts, with hand-checked expectations.
#include <gtest/gtest.h>

#include "tokenizer/bpe.h"
#include "tokenizer/charsmap.h"
#include "tokenizer/decoder.h"
#include "tokenizer/gguf_pre_tokenizer.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/special_partition.h"
#include "tokenizer/spm.h"
#include "tokenizer/unicode.h"
#include "tokenizer/wordpiece.h"

namespace heft::tokenizer {
namespace {

using Spans = std::vector<std::pair<size_t, size_t>>;

TEST(Unicode, LossyConversionReplacesMaximalSubparts) {
  EXPECT_EQ(unicode::to_valid_lossy("a\xE2\x82" "A"), "a\xEF\xBF\xBD" "A");                 // truncated 3-byte form: one U+FFFD
  EXPECT_EQ(unicode::to_valid_lossy("\xF0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // F0 80 is not a prefix
  EXPECT_EQ(unicode::to_valid_lossy("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong lead
  EXPECT_EQ(unicode::to_valid_lossy("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(unicode::to_valid_lossy("ok \xF0\x9F\x99\x82"), "ok \xF0\x9F\x99\x82");
}

TEST(Unicode, IncompleteTail) {
  EXPECT_EQ(unicode::incomplete_tail("a\xE2\x82"), 2u);
  EXPECT_EQ(unicode::incomplete_tail("a\xE2"), 1u);
  EXPECT_EQ(unicode::incomplete_tail("\xF0\x9F\x99"), 3u);
  EXPECT_EQ(unicode::incomplete_tail("\xF0\x9F\x99\x82"), 0u);
  EXPECT_EQ(unicode::incomplete_tail("a\x80"), 0u);   // a stray continuation byte completes nothing
  EXPECT_EQ(unicode::incomplete_tail("a\xE2" "b"), 0u);
}

TEST(Unicode, Gpt2ByteAlphabet) {
  EXPECT_EQ(unicode::byte_to_codepoint(' '), 0x120u);   // Ġ
  EXPECT_EQ(unicode::byte_to_codepoint('\n'), 0x10Au);  // Ċ
  EXPECT_EQ(unicode::byte_to_codepoint('A'), uint32_t('A'));
  EXPECT_EQ(unicode::byte_to_codepoint(0xAD), 0x143u);  // the last gap byte before 0xAE
  for (int b = 0; b < 256; ++b) EXPECT_EQ(unicode::codepoint_to_byte(unicode::byte_to_codepoint(uint8_t(b))), b);
  EXPECT_EQ(unicode::bytes_to_alphabet(" \xC3\xA9"), "\xC4\xA0\xC3\x83\xC2\xA9");  // " é" -> "ĠÃ©"
}

TEST(Unicode, PropertiesAndCase) {
  EXPECT_TRUE(unicode::is_whitespace(0x85));
  EXPECT_TRUE(unicode::is_whitespace(0x3000));
  EXPECT_FALSE(unicode::is_whitespace(0x200B));  // zero width space is Cf
  EXPECT_TRUE(unicode::is_letter(0x4E2D));
  EXPECT_TRUE(unicode::is_number(0x0663));       // Arabic-Indic three
  EXPECT_TRUE(unicode::is_punctuation(0x3002));
  EXPECT_EQ(unicode::lowercase("\xC4\xB0" "AB\xC3\x80"), "i\xCC\x87" "ab\xC3\xA0");  // İ lowercases to i + U+0307
  EXPECT_EQ(unicode::normalize("e\xCC\x81", unicode::Form::NFC), "\xC3\xA9");
  EXPECT_EQ(unicode::normalize("\xC3\xA9", unicode::Form::NFD), "e\xCC\x81");
  EXPECT_EQ(unicode::normalize("\xEF\xAC\x81", unicode::Form::NFKC), "fi");
}

Spans matches(std::string_view pattern, RegexDialect d, std::string_view text) {
  auto re = Regex::compile(pattern, d);
  EXPECT_TRUE(re.has_value()) << pattern;
  return re ? re->find_all(text) : Spans{};
}

TEST(Regex, SpaceIsTheWhiteSpaceProperty) {
  EXPECT_EQ(matches("\\s", RegexDialect::Onig, "a\xC2\x85" "b"), (Spans{{1, 3}}));  // NEL
  EXPECT_EQ(matches("[^\\s]+", RegexDialect::Ecma, "x\xE3\x80\x80y"), (Spans{{0, 1}, {4, 5}}));  // U+3000
  EXPECT_EQ(matches("\\S+", RegexDialect::Onig, "a\xE2\x80\x8B b"), (Spans{{0, 4}, {5, 6}}));   // ZWSP is not space
}

TEST(Regex, DialectDifferences) {
  // llama.cpp (std::regex): \d is ASCII; tokenizers (Oniguruma): Unicode digits.
  EXPECT_EQ(matches("\\d+", RegexDialect::Ecma, "\xD9\xA1" "23"), (Spans{{2, 4}}));
  EXPECT_EQ(matches("\\d+", RegexDialect::Onig, "\xD9\xA1" "23"), (Spans{{0, 4}}));
  // llama.cpp collapses letters, so \p{Lu} means any letter there.
  EXPECT_EQ(matches("\\p{Lu}+", RegexDialect::Ecma, "abC"), (Spans{{0, 3}}));
  EXPECT_EQ(matches("\\p{Lu}+", RegexDialect::Onig, "abC"), (Spans{{2, 3}}));
  // $: end of input for std::regex, end of line for Ruby syntax.
  EXPECT_EQ(matches("\\s+$", RegexDialect::Ecma, "a \nb"), Spans{});
  EXPECT_EQ(matches("\\s+$", RegexDialect::Onig, "a \nb"), (Spans{{1, 2}}));
}

TEST(Regex, EmptyMatchesAdvanceOneCharacter) {
  EXPECT_EQ(matches("x*", RegexDialect::Onig, "a\xC3\xA9"), (Spans{{0, 0}, {1, 1}, {3, 3}}));
  EXPECT_EQ(matches("a|", RegexDialect::Onig, "ab"), (Spans{{0, 1}, {2, 2}}));  // no empty match right after "a"
}

TEST(Regex, InvalidPatternIsAnError) {
  auto re = Regex::compile("(unclosed", RegexDialect::Onig);
  ASSERT_FALSE(re.has_value());
  EXPECT_NE(re.error().message.find("(unclosed"), std::string::npos);
}

Vocab make_vocab(std::initializer_list<const char*> texts) {
  Vocab v;
  for (const char* t : texts) v.add(t);
  v.index();
  return v;
}

TEST(Bpe, DuplicateMergeRankDiffersBetweenReferences) {
  Vocab v = make_vocab({"a", "b", "c", "ab", "bc"});
  std::vector<std::pair<std::string_view, std::string_view>> merges = {{"a", "b"}, {"b", "c"}, {"a", "b"}};
  BpeModel::Options hf;
  auto h = BpeModel::build(v, merges, hf);
  ASSERT_TRUE(h.has_value());
  std::vector<int32_t> out;
  h->tokenize(v, "abc", out);  // tokenizers: the last (a, b) has rank 2, so (b, c) goes first
  EXPECT_EQ(out, (std::vector<int32_t>{0, 4}));
  BpeModel::Options lc;
  lc.flavor = BpeModel::Flavor::LlamaCpp;
  auto l = BpeModel::build(v, merges, lc);
  ASSERT_TRUE(l.has_value());
  out.clear();
  l->tokenize(v, "abc", out);  // llama.cpp keeps the first rank of (a, b)
  EXPECT_EQ(out, (std::vector<int32_t>{3, 2}));
}

TEST(Bpe, HuggingFaceRejectsMergeOutsideVocabulary) {
  Vocab v = make_vocab({"a", "b"});
  auto m = BpeModel::build(v, {{"a", "b"}}, {});
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("'ab'"), std::string::npos);
}

TEST(Bpe, LlamaCppEmitsNonTokenSymbolsByteByByte) {
  // "ab" is a merge result but not a token: its bytes come out as tokens.
  Vocab v = make_vocab({"a", "b", "x"});
  BpeModel::Options lc;
  lc.flavor = BpeModel::Flavor::LlamaCpp;
  auto m = BpeModel::build(v, {{"a", "b"}}, lc);
  ASSERT_TRUE(m.has_value());
  std::vector<int32_t> out;
  m->tokenize(v, "abx", out);
  EXPECT_EQ(out, (std::vector<int32_t>{0, 1, 2}));
}

TEST(Bpe, HuggingFaceUnknownAndByteFallback) {
  Vocab v = make_vocab({"<unk>", "a", "<0xC3>", "<0xA9>"});
  BpeModel::Options o;
  o.unk_token = "<unk>";
  o.fuse_unk = true;
  auto m = BpeModel::build(v, {}, o);
  ASSERT_TRUE(m.has_value());
  std::vector<int32_t> out;
  m->tokenize(v, "xya", out);  // two unknown characters fuse into one <unk>
  EXPECT_EQ(out, (std::vector<int32_t>{0, 1}));
  o.byte_fallback = true;
  auto f = BpeModel::build(v, {}, o);
  out.clear();
  f->tokenize(v, "\xC3\xA9" "a", out);  // é -> <0xC3> <0xA9>
  EXPECT_EQ(out, (std::vector<int32_t>{2, 3, 1}));
}

TEST(Spm, HighestScoreFirstAndByteFallback) {
  Vocab v;
  v.add("<unk>", 0, TokenType::Unknown);
  v.add("a", -1);
  v.add("b", -1);
  v.add("ab", -5);
  v.add("bb", -2);
  v.add("<0x21>", 0, TokenType::Byte);
  v.index();
  std::vector<int32_t> out;
  spm_tokenize(v, "abb", 0, out);  // "bb" (-2) beats "ab" (-5)
  EXPECT_EQ(out, (std::vector<int32_t>{1, 4}));
  out.clear();
  spm_tokenize(v, "a!?", 0, out);  // '!' has a byte token; '?' has none -> <unk> (llama.cpp would abort)
  EXPECT_EQ(out, (std::vector<int32_t>{1, 5, 0}));
}

TEST(WordPiece, GreedyLongestMatchAndUnknown) {
  Vocab v = make_vocab({"[UNK]", "un", "##aff", "##able", "unaff", "x"});
  WordPieceModel wp;
  wp.unk = 0;
  std::vector<int32_t> out;
  wp.tokenize(v, "unaffable", out);
  EXPECT_EQ(out, (std::vector<int32_t>{4, 3}));
  out.clear();
  wp.tokenize(v, "unaffz", out);  // a rest that matches nothing makes the whole word [UNK]
  EXPECT_EQ(out, (std::vector<int32_t>{0}));
  wp.max_input_chars_per_word = 3;
  out.clear();
  wp.tokenize(v, "unaff", out);
  EXPECT_EQ(out, (std::vector<int32_t>{0}));
}

TEST(SpecialPartition, StripFlagsSwallowAsciiSpace) {
  Vocab v;
  v.add("a");
  int32_t tok = v.add("<X>", 0, TokenType::Control);
  v.index();
  std::vector<int32_t> order = special_token_order(v);
  ASSERT_EQ(order, (std::vector<int32_t>{tok}));
  auto texts = [](std::string_view s, const std::vector<Fragment>& f) {
    std::vector<std::string> out;
    for (const Fragment& x : f) out.push_back(x.token >= 0 ? "#" : std::string(s.substr(x.offset, x.length)));
    return out;
  };
  std::string s = "a <X>  b <X>";
  EXPECT_EQ(texts(s, partition_special(s, v, order, true)), (std::vector<std::string>{"a ", "#", "  b ", "#"}));
  EXPECT_EQ(texts(s, partition_special(s, v, order, false)), (std::vector<std::string>{"a <X>  b <X>"}));
  v.set_flags(tok, kFlagLstrip | kFlagRstrip);
  EXPECT_EQ(texts(s, partition_special(s, v, order, true)), (std::vector<std::string>{"a", "#", "b", "#"}));
}

TEST(Normalizer, SequenceOfSteps) {
  Normalizer n;
  NormalizerStep nfkc;
  nfkc.kind = NormalizerStep::Kind::NFKC;
  n.add(nfkc);
  NormalizerStep strip;
  strip.kind = NormalizerStep::Kind::Strip;
  strip.strip_left = strip.strip_right = true;
  n.add(strip);
  NormalizerStep prepend;
  prepend.kind = NormalizerStep::Kind::Prepend;
  prepend.content = "\xE2\x96\x81";
  n.add(prepend);
  EXPECT_EQ(n.apply("  \xEF\xAC\x81ne\xE3\x80\x80 "), "\xE2\x96\x81" "fine");
  EXPECT_EQ(n.apply("   "), "");  // Prepend leaves an empty text empty
}

TEST(Normalizer, BertCleansSplitsChineseStripsAccents) {
  Normalizer n;
  NormalizerStep b;
  b.kind = NormalizerStep::Kind::Bert;
  n.add(b);
  EXPECT_EQ(n.apply("H\xC3\xA9llo\t\x01W\xE4\xB8\xAD"), "hello w \xE4\xB8\xAD ");
}

TEST(PreTokenizer, MetaspaceFirstOnlyAtTheStart) {
  PreTokenizer p;
  PreTokenizerStep m;
  m.kind = PreTokenizerStep::Kind::Metaspace;
  m.prepend = PreTokenizerStep::Prepend::First;
  m.split = true;
  p.add(m);
  std::vector<Word> w = {{"hi there", true}, {"again", false}};
  p.apply(w);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].text, "\xE2\x96\x81hi");
  EXPECT_EQ(w[1].text, "\xE2\x96\x81there");
  EXPECT_EQ(w[2].text, "again");
}

TEST(PreTokenizer, SplitBehaviours) {
  auto run = [](SplitBehavior b, bool invert = false) {
    PreTokenizer p;
    PreTokenizerStep s;
    s.kind = PreTokenizerStep::Kind::Split;
    s.regex = std::make_shared<Regex>(*Regex::compile("-", RegexDialect::Onig));
    s.behavior = b;
    s.invert = invert;
    p.add(s);
    std::vector<Word> w = {{"a-b--c", true}};
    p.apply(w);
    std::vector<std::string> out;
    for (auto& x : w) out.push_back(x.text);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(run(SplitBehavior::Removed), (V{"a", "b", "c"}));
  EXPECT_EQ(run(SplitBehavior::Isolated), (V{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(run(SplitBehavior::MergedWithPrevious), (V{"a-", "b-", "-", "c"}));
  EXPECT_EQ(run(SplitBehavior::MergedWithNext), (V{"a", "-b", "-", "-c"}));
  EXPECT_EQ(run(SplitBehavior::Contiguous), (V{"a", "-", "b", "--", "c"}));
  EXPECT_EQ(run(SplitBehavior::Removed, true), (V{"-", "-", "-"}));
}

TEST(Decoder, StripByteFallbackWordPiece) {
  Decoder d;
  DecoderStep bf;
  bf.kind = DecoderStep::Kind::ByteFallback;
  d.add(bf);
  DecoderStep fuse;
  fuse.kind = DecoderStep::Kind::Fuse;
  d.add(fuse);
  DecoderStep strip;
  strip.kind = DecoderStep::Kind::Strip;
  strip.content = " ";
  strip.start = 1;
  strip.stop = 1;
  d.add(strip);
  EXPECT_EQ(d.decode({" a", "<0xC3>", "<0xA9>", "b "}), "a\xC3\xA9" "b");
  // a run of byte tokens that is not valid UTF-8 as a whole: one U+FFFD per byte
  EXPECT_EQ(d.decode({"<0xC3>", "<0xA9>", "<0xFF>", "x"}), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "x");
  Decoder w;
  DecoderStep wp;
  wp.kind = DecoderStep::Kind::WordPiece;
  w.add(wp);
  EXPECT_EQ(w.decode({"un", "##aff", "##able", "is", "n't", ",", "ok", "."}), "unaffable isn't, ok.");
  EXPECT_EQ(Decoder().decode({"a", "b"}), "a b");  // no decoder: tokens joined by spaces
}

TEST(CharsMap, RejectsBlobsThatDoNotFit) {
  const uint8_t too_short[] = {1, 0};
  EXPECT_FALSE(CharsMap::parse(too_short).has_value());
  const uint8_t oversize[] = {0xFF, 0xFF, 0, 0, 1, 2, 3, 4};
  EXPECT_FALSE(CharsMap::parse(oversize).has_value());
  const uint8_t empty_trie[] = {0, 0, 0, 0, 'a', 0};
  EXPECT_FALSE(CharsMap::parse(empty_trie).has_value());
}

TEST(GgufPre, NamesMapAsLlamaCppDoes) {
  auto l3 = gguf_pre_config("llama-bpe");
  ASSERT_TRUE(l3.has_value());
  EXPECT_EQ(l3->type, "llama3");
  EXPECT_TRUE(l3->ignore_merges);
  EXPECT_EQ(l3->add_bos, std::optional<bool>(true));
  auto q = gguf_pre_config("qwen2");
  ASSERT_TRUE(q.has_value());
  EXPECT_FALSE(q->clean_spaces);
  auto d = gguf_pre_config("");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->type, "default");
  EXPECT_EQ(d->regexes.size(), 4u);
  EXPECT_FALSE(gguf_pre_config("no-such-pre").has_value());
}

TEST(GgufPre, EveryNameCompiles) {
  for (const char* name : {"default", "llama3", "deepseek-llm", "deepseek-coder", "deepseek-v3", "youtu", "falcon", "mpt",
                           "starcoder", "gpt-2", "jais-2", "gemma4", "sarvam-moe", "roberta-bpe", "whitespace", "refact",
                           "command-r", "qwen2", "qwen35", "stablelm2", "olmo", "dbrx", "smaug-bpe", "poro-chat", "glm4",
                           "viking", "jais", "tekken", "smollm", "codeshell", "bloom", "gpt3-finnish", "exaone", "exaone4",
                           "exaone-moe", "chameleon", "minerva-7b", "gpt-4o", "granite-embed-multi-97m", "tiny_aya",
                           "superbpe", "trillion", "granite-docling", "bailingmoe", "seed-coder", "hunyuan",
                           "hunyuan-dense", "joyai-llm", "kimi-k2", "grok-2", "afmoe", "laguna", "minimax-m2", "solar-open",
                           "mellum2", "minicpm5"}) {
    auto c = gguf_pre_config(name);
    ASSERT_TRUE(c.has_value()) << name;
    auto p = GgufPreTokenizer::build(*c);
    EXPECT_TRUE(p.has_value()) << name << ": " << (p ? "" : p.error().message);
    if (p) {
      std::string joined;
      for (const std::string& w : p->split("Hello world 12345 \xE4\xB8\xAD\xE6\x96\x87!\n")) joined += w;
      EXPECT_FALSE(joined.empty()) << name;
    }
  }
}

// AFMoE/Tiny Aya digit grouping as llama.cpp's hand-written splitter does it.
TEST(GgufPre, AfmoeDigitGroups) {
  auto c = gguf_pre_config("afmoe");
  ASSERT_TRUE(c.has_value());
  c->regexes.resize(1);
  c->byte_encode = false;
  auto p = GgufPreTokenizer::build(*c);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->split("ab12345cd"), (std::vector<std::string>{"ab12", "345", "cd"}));
  EXPECT_EQ(p->split("123456"), (std::vector<std::string>{"123", "456"}));
}

}  // namespace
}  // namespace heft::tokenizer
