#include "chat/tool_calls.h"

#include <algorithm>
#include <random>

#include "chat/tool_call_args.h"
#include "chat/tool_call_blocks.h"

namespace heft::chat {

using detail::Block;
using detail::BlockStatus;

std::string random_tool_call_id(ToolFormat format) {
  static constexpr std::string_view kAlnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, kAlnum.size() - 1);
  bool mistral = format == ToolFormat::MistralJson || format == ToolFormat::MistralArgs;
  std::string id = mistral ? "" : "call_";
  for (int i = 0, n = mistral ? 9 : 24; i < n; ++i) id += kAlnum[pick(rng)];
  return id;
}

struct ToolCallStream::Impl {
  util::Json tools_json;
  detail::ToolSet tools;
  ToolCallIdFn make_id;
  const detail::FamilySyntax& syntax;

  std::string buf;             // the reply from the first byte not yet passed on
  bool at_reply_start = true;  // buf[0] is the reply's first byte and the start has not been tried
  bool in_block = false;       // buf starts with a block (a marker, or the reply's start)
  bool failed = false;
  std::string failure;
  size_t base = 0;                // index of the block's first call
  std::vector<std::string> sent;  // argument text sent so far, per call of the block

  Impl(ToolFormat f, util::Json t, ToolCallIdFn id)
      : tools_json(std::move(t)), tools(tools_json), make_id(std::move(id)), syntax(detail::family_syntax(f)) {
    if (!make_id) make_id = [f](size_t) { return random_tool_call_id(f); };
  }

  void pass_on(ReplyDelta& out, size_t n) {
    out.content.append(buf, 0, n);
    buf.erase(0, n);
    at_reply_start = false;
  }

  // Sends what the block's calls have gained since the last time.
  bool send_progress(ReplyDelta& out, const std::vector<detail::CallText>& calls) {
    for (size_t i = 0; i < calls.size() && !calls[i].name.empty(); ++i) {
      const auto& c = calls[i];
      if (i == sent.size()) {
        size_t index = base + i;
        out.tool_calls.push_back({index, make_id(index), c.name, c.arguments});
        sent.push_back(c.arguments);
      } else if (c.arguments.size() > sent[i].size()) {
        if (!c.arguments.starts_with(sent[i])) return false;
        out.tool_calls.push_back({base + i, "", "", c.arguments.substr(sent[i].size())});
        sent[i] = c.arguments;
      } else if (c.arguments != sent[i]) {
        return false;
      }
    }
    return true;
  }

  void fail(ReplyDelta& out, std::string reason) {
    failed = true;
    failure = std::move(reason);
    pass_on(out, buf.size());
    in_block = false;
  }

  void run(ReplyDelta& out, bool at_end) {
    while (!buf.empty() || (at_end && in_block)) {
      if (failed) return pass_on(out, buf.size());
      if (!in_block) {
        if (at_reply_start && syntax.parse_start) {
          in_block = true;
          continue;
        }
        // The earliest whole marker, or the longest tail that may begin one.
        size_t first = std::string::npos, hold = 0;
        for (auto m : syntax.markers) {
          size_t p = buf.find(m);
          first = std::min(first, p);
          for (size_t len = std::min(buf.size(), m.size() - 1); len > hold; --len)
            if (std::string_view(buf).substr(buf.size() - len) == m.substr(0, len)) {
              hold = len;
              break;
            }
        }
        if (first != std::string::npos) {
          if (first > 0) pass_on(out, first);
          in_block = true;
          continue;
        }
        pass_on(out, at_end ? buf.size() : buf.size() - hold);
        return;
      }
      bool start = at_reply_start && syntax.parse_start;
      Block b = (start ? syntax.parse_start : syntax.parse)(buf, at_end, tools);
      if (b.status == BlockStatus::Invalid) return fail(out, b.reason);
      if (b.status == BlockStatus::NotCall) {
        in_block = false;
        at_reply_start = false;
        // A marker that opened no call passes on as text (at least its first byte).
        size_t n = start ? b.end : std::max<size_t>(b.end, 1);
        if (n > 0) pass_on(out, n);
        continue;
      }
      if (!send_progress(out, b.calls)) return fail(out, "tool call text changed while streaming");
      if (b.status == BlockStatus::NeedMore) {
        if (at_end) fail(out, "the reply ends inside a tool call");  // parsers say Invalid themselves; a safety net
        return;
      }
      // Done: every call complete and sent.
      base += b.calls.size();
      sent.clear();
      buf.erase(0, b.end);
      at_reply_start = false;
      in_block = false;
    }
  }
};

ToolCallStream::ToolCallStream(ToolFormat format, util::Json tools, ToolCallIdFn make_id)
    : impl_(std::make_unique<Impl>(format, std::move(tools), std::move(make_id))) {}
ToolCallStream::~ToolCallStream() = default;
ToolCallStream::ToolCallStream(ToolCallStream&&) noexcept = default;
ToolCallStream& ToolCallStream::operator=(ToolCallStream&&) noexcept = default;

ReplyDelta ToolCallStream::feed(std::string_view piece) {
  ReplyDelta out;
  impl_->buf.append(piece);
  impl_->run(out, false);
  return out;
}

ReplyDelta ToolCallStream::finish() {
  ReplyDelta out;
  impl_->run(out, true);
  return out;
}

bool ToolCallStream::failed() const { return impl_->failed; }
const std::string& ToolCallStream::failure() const { return impl_->failure; }
size_t ToolCallStream::call_count() const { return impl_->base + impl_->sent.size(); }

ParsedReply parse_tool_calls(ToolFormat format, std::string_view text, const util::Json& tools,
                             const ToolCallIdFn& make_id) {
  // The stream over the whole text at once: one parser, so a stream's deltas
  // always add up to this.
  ToolCallStream stream(format, tools, make_id);
  ReplyDelta parts[2] = {stream.feed(text), stream.finish()};
  ParsedReply r;
  if (stream.failed()) {
    r.content = std::string(text);
    r.failed = true;
    r.failure = stream.failure();
    return r;
  }
  for (auto& d : parts) {
    r.content += d.content;
    for (auto& t : d.tool_calls) {
      if (t.index == r.calls.size()) r.calls.push_back({t.id, t.name, ""});
      r.calls[t.index].arguments += t.arguments;
    }
  }
  return r;
}

}  // namespace heft::chat
