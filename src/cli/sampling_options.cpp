#include "cli/sampling_options.h"

#include <charconv>
#include <random>

namespace heft::cli {

void SamplingOptions::add_to(CLI::App* cmd) {
  cmd->add_option("--temp", temp, "Temperature; 0 picks the most likely token (default 0.8)");
  cmd->add_option("--top-k", top_k, "Keep the K most likely tokens; 0 disables (default 40)");
  cmd->add_option("--top-p", top_p, "Nucleus sampling; 1 disables (default 0.95)");
  cmd->add_option("--min-p", min_p, "Drop tokens below this fraction of the best one; 0 disables (default 0.05)");
  cmd->add_option("--typical", typical_p, "Locally typical sampling; 1 disables (default 1)");
  cmd->add_option("--repeat-penalty", repeat_penalty, "Penalize repeated tokens; 1 disables (default 1)");
  cmd->add_option("--repeat-last-n", repeat_last_n, "Tokens the penalties look back over")->capture_default_str();
  cmd->add_option("--presence-penalty", presence_penalty, "Subtract this once from repeated tokens")->capture_default_str();
  cmd->add_option("--frequency-penalty", frequency_penalty, "Subtract this per repetition")->capture_default_str();
  cmd->add_option("--logit-bias", logit_bias, "Bias a token, e.g. 15043+1 or 15043-inf (repeatable)");
  cmd->add_option("-s,--seed", seed, "Random seed (default: random; printed with --json)");
}

util::Result<engine::SamplerParams> SamplingOptions::params(const formats::Metadata& md, int64_t n_vocab) const {
  engine::SamplerParams p;
  auto model_default = [&](const char* key, float fallback) {
    auto v = md.get_float(key);
    return v ? static_cast<float>(*v) : fallback;
  };
  p.temperature = temp.value_or(model_default("general.sampling.temp", 0.8f));
  p.top_k = top_k.value_or(static_cast<int32_t>(md.get_int("general.sampling.top_k").value_or(40)));
  p.top_p = top_p.value_or(model_default("general.sampling.top_p", 0.95f));
  p.min_p = min_p.value_or(model_default("general.sampling.min_p", 0.05f));
  p.typical_p = typical_p.value_or(1.0f);
  p.repeat_penalty = repeat_penalty.value_or(model_default("general.sampling.penalty_repeat", 1.0f));
  p.presence_penalty = presence_penalty;
  p.frequency_penalty = frequency_penalty;
  p.penalty_last_n = repeat_last_n;
  p.seed = seed ? *seed : std::random_device{}();
  for (const std::string& spec : logit_bias) {
    size_t op = spec.find_first_of("+-=", 1);
    int32_t id = -1;
    auto [end, ec] = std::from_chars(spec.data(), spec.data() + (op == std::string::npos ? spec.size() : op), id);
    if (op == std::string::npos || ec != std::errc() || id < 0 || id >= n_vocab)
      return util::fail("--logit-bias '" + spec + "' must be TOKEN_ID+BIAS, TOKEN_ID-BIAS or TOKEN_ID=BIAS");
    std::string value = spec.substr(op + 1);
    float bias;
    if (value == "inf") bias = INFINITY;
    else {
      try {
        size_t used = 0;
        bias = std::stof(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        return util::fail("--logit-bias '" + spec + "': '" + value + "' is not a number");
      }
    }
    if (spec[op] == '-') bias = -bias;
    p.logit_bias.emplace_back(id, bias);
  }
  if (p.temperature < 0 || p.top_p <= 0 || p.top_p > 1 || p.min_p < 0 || p.min_p > 1 || p.typical_p <= 0)
    return util::fail("sampling values out of range (--temp >= 0, 0 < --top-p <= 1, 0 <= --min-p <= 1)");
  return p;
}

}  // namespace heft::cli
