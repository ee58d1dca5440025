// `heft chat MODEL [--system TEXT]`: a conversation in the terminal through the
// model's chat template. Reads plain lines when stdin is not a terminal, so it
// can be scripted; only the assistant's replies go to stdout.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/model_options.h"
#include "cli/sampling_options.h"
#include "engine/generate.h"
#include "session/chat_prompt.h"
#include "util/atomic_file.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

struct ChatArgs {
  std::string model, system, template_file, template_name;
  int64_t n_predict = -1;
  ContextOptions ctx;
  SamplingOptions sampling;
};

util::Json message(std::string role, std::string content) {
  util::Json m = util::Json::object();
  m.set("role", util::Json(std::move(role)));
  m.set("content", util::Json(std::move(content)));
  return m;
}

class ChatSession {
 public:
  ChatSession(const ChatArgs& args, LoadedModel& loaded, engine::Context& ctx, engine::Sampler& sampler,
              session::ChatPrompt prompt)
      : args_(args), loaded_(loaded), ctx_(ctx), sampler_(sampler), prompt_(std::move(prompt)) {
    set_system(args.system);
  }

  void set_system(const std::string& text) {
    messages_ = util::Json::array();
    if (!text.empty()) messages_.push_back(message("system", text));
  }
  void reset() {
    std::string system = messages_.size() && messages_.as_array()[0].get_string("role") == "system"
                             ? messages_.as_array()[0].get_string("content")
                             : std::string();
    set_system(system);
  }
  util::Result<void> save(const std::string& path) const {
    auto f = HEFT_TRY(util::AtomicFile::create(path, true));
    std::string text = messages_.dump(2) + "\n";
    HEFT_TRY(f->write(text.data(), text.size()));
    return f->commit();
  }
  util::Result<void> load(const std::string& path) {
    std::string text = HEFT_TRY(util::read_file(path, 64 << 20));
    util::Json j = HEFT_TRY(util::Json::parse(text, path));
    if (!j.is_array()) return util::fail("a saved conversation is a JSON array of messages", path);
    for (const auto& m : j.as_array())
      if (!m.is_object() || !m.find("role") || !m.find("content"))
        return util::fail("every message needs a role and content", path);
    messages_ = std::move(j);
    return {};
  }

  // Adds the user's turn, generates and streams the reply, and keeps it.
  util::Result<void> turn(const std::string& user_text) {
    messages_.push_back(message("user", user_text));
    const std::string prompt = HEFT_TRY(prompt_.render(messages_, util::Json(), true));
    const auto& tok = *loaded_.tokenizer;
    std::vector<int32_t> ids = prompt_.encode(tok, prompt);
    // Reuse the cache for the part of the conversation already processed.
    size_t common = 0;
    while (common < ids.size() && common < history_.size() && ids[common] == history_[common]) ++common;
    if (common == ids.size() && common > 0) --common;  // something must be decoded to get logits
    ctx_.truncate(static_cast<int64_t>(common));
    history_.assign(ids.begin(), ids.begin() + static_cast<long>(common));
    std::span<const int32_t> rest(ids.data() + common, ids.size() - common);
    sampler_.reset();
    engine::GenerateParams gp{.max_tokens = args_.n_predict};
    auto r = HEFT_TRY(engine::generate(ctx_, sampler_, tok, rest, gp, [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }));
    std::fputc('\n', stdout);
    std::fflush(stdout);
    // The cache now holds the prompt and every generated token but the last one.
    history_.insert(history_.end(), rest.begin(), rest.end());
    if (!r.tokens.empty()) history_.insert(history_.end(), r.tokens.begin(), r.tokens.end() - 1);
    messages_.push_back(message("assistant", r.text));
    if (r.stop_reason == engine::StopReason::ContextFull)
      std::fprintf(stderr, "heft: the context is full; /reset to start over or raise --ctx-size\n");
    return {};
  }

 private:
  const ChatArgs& args_;
  LoadedModel& loaded_;
  engine::Context& ctx_;
  engine::Sampler& sampler_;
  session::ChatPrompt prompt_;
  util::Json messages_ = util::Json::array();
  std::vector<int32_t> history_;  // tokens whose keys and values are in the cache
};

int run_chat(const ChatArgs& a) {
  auto setup = prepare_generation(a.model, a.ctx, a.sampling);
  if (!setup) return report(setup.error());
  std::string source;
  if (!a.template_file.empty()) {
    auto text = util::read_file(a.template_file);
    if (!text) return report(text.error());
    source = *text;
  }
  auto prompt = session::ChatPrompt::create(session::load_model_templates(setup->loaded), a.template_name, source,
                                            a.template_file);
  if (!prompt && a.template_name.empty() && source.empty())
    return report(util::Error(prompt.error().message + "; give one with --template FILE.jinja, or use heft run",
                              prompt.error().file));
  if (!prompt) return report(prompt.error());
  ChatSession session(a, setup->loaded, *setup->ctx, *setup->sampler, std::move(*prompt));

  const bool tty = isatty(STDIN_FILENO) == 1;
  if (tty) std::fprintf(stderr, "heft chat: /reset, /system TEXT, /save FILE, /load FILE, /quit\n");
  std::string line;
  while (true) {
    if (tty) std::fputs("> ", stderr);
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    if (line == "/quit" || line == "/exit") break;
    util::Result<void> r;
    if (line == "/reset") {
      session.reset();
    } else if (line.starts_with("/system")) {
      session.set_system(line.size() > 8 ? line.substr(8) : std::string());
    } else if (line.starts_with("/save ")) {
      r = session.save(line.substr(6));
    } else if (line.starts_with("/load ")) {
      r = session.load(line.substr(6));
    } else if (line[0] == '/' && line.find(' ') == std::string::npos && line.size() > 1 && std::isalpha(static_cast<unsigned char>(line[1]))) {
      std::fprintf(stderr, "heft: unknown command %s (/reset, /system TEXT, /save FILE, /load FILE, /quit)\n", line.c_str());
    } else {
      r = session.turn(line);
    }
    if (!r) {
      // A failed turn is reported but the session goes on; scripted input still ends in status 1.
      report(r.error());
      if (!tty) return 1;
    }
  }
  return 0;
}

}  // namespace

Action add_chat(CLI::App& app) {
  auto a = std::make_shared<ChatArgs>();
  auto* cmd = app.add_subcommand("chat", "Chat with a model in the terminal through its chat template");
  cmd->add_option("model", a->model, "A .gguf or Hugging Face folder with a chat template; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG]");
  cmd->add_option("-m,--model", a->model, "Same as MODEL");
  cmd->add_option("--system", a->system, "A system message to start with");
  auto* file = cmd->add_option("--template", a->template_file, "Use this chat template file instead of the model's");
  cmd->add_option("--template-name", a->template_name, "Pick a named template of the model (e.g. tool_use)")->excludes(file);
  cmd->add_option("-n,--n-predict", a->n_predict, "Most tokens per reply; -1: until the model ends its turn")
      ->capture_default_str();
  a->ctx.add_to(cmd);
  a->sampling.add_to(cmd);
  return [a] { return run_chat(*a); };
}

}  // namespace heft::cli
