#include "cli/sampling_options.h"

#include <charconv>
#include <cmath>

#include "session/sampling.h"

namespace heft::cli {

void SamplingOptions::add_to(CLI::App* cmd) {
  session::SamplingSettings& s = settings;
  cmd->add_option("--temp", s.temperature, "Temperature; 0 picks the most likely token (default 0.8)");
  cmd->add_option("--top-k", s.top_k, "Keep the K most likely tokens; 0 disables (default 40)");
  cmd->add_option("--top-p", s.top_p, "Nucleus sampling; 1 disables (default 0.95)");
  cmd->add_option("--min-p", s.min_p, "Drop tokens below this fraction of the best one; 0 disables (default 0.05)");
  cmd->add_option("--typical", s.typical_p, "Locally typical sampling; 1 disables (default 1)");
  cmd->add_option("--repeat-penalty", s.repeat_penalty, "Penalize repeated tokens; 1 disables (default 1)");
  cmd->add_option("--repeat-last-n", s.repeat_last_n, "Tokens the penalties look back over")->capture_default_str();
  cmd->add_option("--presence-penalty", s.presence_penalty, "Subtract this once from repeated tokens")->capture_default_str();
  cmd->add_option("--frequency-penalty", s.frequency_penalty, "Subtract this per repetition")->capture_default_str();
  cmd->add_option("--logit-bias", logit_bias, "Bias a token, e.g. 15043+1 or 15043-inf (repeatable)");
  cmd->add_option("-s,--seed", s.seed, "Random seed (default: random; printed with --json)");
}

util::Result<engine::SamplerParams> SamplingOptions::params(const formats::Metadata& md, int64_t n_vocab) const {
  session::SamplingSettings st = settings;
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
    st.logit_bias.emplace_back(id, bias);
  }
  auto p = session::resolve_sampling(st, md, n_vocab);
  if (!p) {
    // The setting's flag in place of its API name.
    static const std::pair<const char*, const char*> kFlags[] = {
        {"temperature", "--temp"}, {"top_p", "--top-p"}, {"min_p", "--min-p"}, {"typical_p", "--typical"},
        {"repeat_penalty", "--repeat-penalty"}, {"presence_penalty", "--presence-penalty"},
        {"frequency_penalty", "--frequency-penalty"}, {"repeat_last_n", "--repeat-last-n"},
        {"logit_bias", "--logit-bias"}};
    std::string msg = p.error().message;
    for (const auto& [field, flag] : kFlags)
      if (p.error().field == field && msg.starts_with(field)) msg = flag + msg.substr(std::string_view(field).size());
    return util::fail(msg);
  }
  return *p;
}

}  // namespace heft::cli
