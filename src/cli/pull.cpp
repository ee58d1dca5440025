// `heft pull ORG/NAME[@REVISION][:QUANT or :PATH]`: download into the Hugging Face
// cache, every byte verified; Ctrl-C keeps what arrived for the next run.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/units.h"
#include "store/pull.h"
#include "store/license.h"
#include "store/pull_checks.h"

namespace heft::cli {

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted = true; }

struct PullArgs {
  std::string model;
  std::string token_file;
  bool accept_license = false;
  bool force = false;
  int connections = 4;
  bool quiet = false;
};

// "  37%  1.20 GiB / 3.25 GiB  41.3 MiB/s  ETA 0:51" redrawn on stderr while a terminal watches.
class ProgressBar {
 public:
  explicit ProgressBar(const store::TransferProgress& p) : p_(p) {
    if (::isatty(STDERR_FILENO)) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressBar() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lk(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    draw(true);
  }
  // Notices go through here so they do not tear the bar.
  void notice(const std::string& line) {
    std::lock_guard lk(out_);
    fmt::print(stderr, "{}{}\n", thread_.joinable() ? "\r\033[K" : "", line);
  }

 private:
  void loop() {
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, std::chrono::milliseconds(250), [&] { return done_; })) draw(false);
  }
  void draw(bool final) {
    const uint64_t total = p_.total, done = std::min<uint64_t>(p_.done, p_.total);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? static_cast<double>(p_.fetched) / secs : 0;
    std::string eta = "--:--";
    if (rate > 0 && total > done) {
      const auto s = static_cast<uint64_t>(static_cast<double>(total - done) / rate);
      eta = fmt::format("{}:{:02}", s / 60, s % 60);
    }
    std::lock_guard lk(out_);
    fmt::print(stderr, "\r\033[K{:>4.0f}%  {} / {}  {}/s  ETA {}{}", total ? 100.0 * done / total : 100.0, human_bytes(done),
               human_bytes(total), human_bytes(static_cast<uint64_t>(rate)), eta, final ? "\n" : "");
    std::fflush(stderr);
  }

  const store::TransferProgress& p_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mu_, out_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

int pull(const PullArgs& a) {
  auto ref = store::parse_repo_ref(a.model);
  if (!ref) return report(util::Error(fmt::format("'{}' is not ORG/NAME[@REVISION][:QUANT or :PATH]", a.model)));
  if (a.connections < 1 || a.connections > 16) return report(util::Error("--connections must be between 1 and 16"));
  auto hub = store::hub_config(a.token_file);
  if (!hub) return report(hub.error());
  if (hub->offline) {
    auto path = store::pull_offline(*ref);
    if (!path) return report(path.error());
    fmt::print("{} is in the store (HF_HUB_OFFLINE: nothing fetched)\n{}\n", a.model, *path);
    return 0;
  }

  struct sigaction sa {};
  sa.sa_handler = on_interrupt;  // no SA_RESTART: a blocked lock wait returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  store::TransferProgress progress;
  ProgressBar bar(progress);
  store::PullOptions opts{
      .connections = a.connections,
      .progress = &progress,
      .cancel = &g_interrupted,
      .notice = [&](const std::string& s) { if (!a.quiet) bar.notice(s); },
  };
  auto refusal = [&](util::Error e, const char* when) -> util::Result<void> {
    if (a.force) {
      bar.notice(fmt::format("heft: {} (downloading anyway: --force)", e.to_string()));
      return {};
    }
    e.message.append(fmt::format("; stopped {} (--force downloads it anyway)", when));
    return std::unexpected(std::move(e));
  };
  // The licence before the weights: its summary always, and for licences that ask
  // to be accepted (gated on the Hub), --accept-license.
  bool licence_known = false;
  auto licence_gate = [&](const store::LicenseReport& rep) -> util::Result<void> {
    if (!rep.requires_acceptance() || a.accept_license) return {};
    std::string names;
    for (const auto* t : rep.applicable)
      if (t->requires_acceptance) names.append(names.empty() ? "" : ", ").append(fmt::format("{} ({})", t->name, t->url));
    return util::fail(fmt::format("{} is under terms you must accept before using it: {}; read them, then pull again with "
                                  "--accept-license",
                                  ref->repo, names));
  };
  opts.before_weights = [&](const store::PullPlan& plan) -> util::Result<void> {
    if (auto rep = store::describe_model_license(plan.snapshot_dir)) {
      if (!a.quiet) bar.notice(store::license_summary(*rep));
      licence_known = rep->license.terms != nullptr;
      HEFT_TRY(licence_gate(*rep));
    }
    const bool checkpoint = std::any_of(plan.weights.begin(), plan.weights.end(), [](const store::RepoFile& f) {
      return f.path.ends_with(".safetensors") || f.path.ends_with(".bin");
    });
    if (checkpoint)
      if (auto ok = store::check_checkpoint_config(plan.snapshot_dir); !ok) return refusal(ok.error(), "before the weights");
    return {};
  };
  opts.check_weights = [&](const store::RepoFile& f) -> store::PrefixCheck {
    store::PrefixCheck inner;
    // A GGUF's own licence keys count when the card named no licence heft knows.
    auto gguf_licence = std::make_shared<util::Result<void>>();
    if (f.path.ends_with(".gguf"))
      inner = store::gguf_support_check(f.size, f.path, [&, gguf_licence](const formats::Metadata& md) {
        if (licence_known) return;
        store::LicenseInputs in{.model = ref->repo, .metadata = &md, .repo = ref->repo};
        const auto rep = store::describe_license(in);
        if (rep.license.terms && !a.quiet) bar.notice(store::license_summary(rep));
        *gguf_licence = licence_gate(rep);
      });
    else if (f.path.ends_with(".safetensors")) inner = store::safetensors_support_check(f.size, f.path);
    else return {};
    return [&, inner](std::span<const uint8_t> prefix) -> util::Result<uint64_t> {
      auto r = inner(prefix);
      if (!*gguf_licence) return std::unexpected(gguf_licence->error());
      if (r) return r;
      HEFT_TRY(refusal(r.error(), fmt::format("after its first {}", human_bytes(prefix.size())).c_str()));
      return 0;
    };
  };
  auto r = store::pull(*hub, *ref, opts);
  bar.stop();
  if (!r) {
    if (g_interrupted) {
      fmt::print(stderr, "heft: interrupted; what arrived is kept: run the same command to resume\n");
      return 130;
    }
    return report(r.error());
  }
  const auto& plan = r->plan;
  fmt::print("pulled {}@{}: {} files, {} ({} fetched)\n{}\n", ref->repo, plan.info.commit.substr(0, 12),
             plan.small.size() + plan.weights.size(), human_bytes(plan.bytes()), human_bytes(r->fetched_bytes), r->model_path);
  return 0;
}

}  // namespace

Action add_pull(CLI::App& app) {
  auto a = std::make_shared<PullArgs>();
  auto* cmd = app.add_subcommand(
      "pull",
      "Download a model from the Hugging Face Hub into the Hugging Face cache ($HF_HUB_CACHE), verifying every "
      "file's SHA-256 (or git id) while it streams. Resumes after an interruption. HF_ENDPOINT picks another "
      "Hub, HF_TOKEN authorizes gated and private repositories, HF_HUB_OFFLINE=1 uses only the store");
  cmd->add_option("model", a->model,
                  "ORG/NAME[@REVISION][:QUANT or :PATH]: a GGUF by its quantization (all parts of a split one), one "
                  "file by its path, or without a selector the safetensors checkpoint with its configs and tokenizer")
      ->required();
  cmd->add_option("--token-file", a->token_file, "Read the Hub token from this file (default: HF_TOKEN, else ~/.cache/huggingface/token)");
  cmd->add_flag("--accept-license", a->accept_license,
                "Accept the model's licence where it asks to be accepted (Llama, Gemma and other gated licences); "
                "the pull prints a summary of the terms first");
  cmd->add_flag("--force", a->force,
                "Download even what heft cannot run (an unknown architecture or tensor type); normally the pull "
                "stops after the file's first megabytes");
  cmd->add_option("--connections", a->connections, "Parallel ranges for a large file (1-16)")->capture_default_str();
  cmd->add_flag("--quiet,-q", a->quiet, "No notices (the progress bar only shows on a terminal anyway)");
  return [a] { return pull(*a); };
}

}  // namespace heft::cli
