// MONITOR, as redis-server 7.0 shows it: every command any client runs, one status line each, to
// every connection that sent MONITOR.
//
// The feed is a commands::CommandObserver that the I/O loops pass to CommandTable::Execute, which
// calls it after each command it runs (before, for EVAL and its kin, whose own commands then
// follow from "lua"), each command of an EXEC included; rejected commands (unknown, wrong arity,
// NOAUTH, ...) and admin ones (CONFIG, MONITOR, CLIENT, ...) are not shown, as in Redis. A line
// goes to each monitor through the Pub/Sub delivery path (pubsub_delivery.cc): appended directly on
// the monitor's own loop, through its mailbox from another one, bounded by the pubsub output
// limits, so a monitor that does not read is cut off instead of stalling the server. With no
// monitor the cost per command is one relaxed atomic load.
#include <sys/time.h>

#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/commands/command_describe.h"
#include "server/command_util.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

// Redis's sdscatrepr, without the surrounding quotes.
void AppendRepr(std::string* out, std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '"':
        *out += "\\\"";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\a':
        *out += "\\a";
        break;
      case '\b':
        *out += "\\b";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(ch);
        } else {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          *out += hex;
        }
    }
  }
}

void CmdMonitor(commands::CommandContext& ctx, commands::Args) {
  Connection& c = Conn(ctx);
  c.state()->monitors().Add(&c, ctx.client->subscriber);
  ctx.reply->SimpleString("OK");
}

}  // namespace

std::string MonitorFeed::Line(int64_t micros, int db, std::string_view from, commands::Args argv) {
  char head[64];
  std::snprintf(head, sizeof(head), "%lld.%06lld [%d ", static_cast<long long>(micros / 1000000),
                static_cast<long long>(micros % 1000000), db);
  std::string line = head;
  line.append(from);
  line += "]";
  auto is = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
    }
    return true;
  };
  // The secrets of AUTH (every argument) and of HELLO's AUTH (the two after the token).
  size_t redact_from = argv.size(), redact_to = argv.size();
  if (!argv.empty() && is(argv[0], "auth")) {
    redact_from = 1;
  } else if (!argv.empty() && is(argv[0], "hello")) {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (is(argv[i], "auth")) {
        redact_from = i + 1;
        redact_to = std::min(argv.size(), i + 3);
        break;
      }
    }
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    line += " \"";
    if (i >= redact_from && i < redact_to) {
      line += "(redacted)";
    } else {
      AppendRepr(&line, argv[i]);
    }
    line += "\"";
  }
  return line;
}

void MonitorFeed::Executed(const commands::CommandContext& ctx, commands::Args argv) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  std::string from;
  if (ctx.from_script) {
    from = "lua";
  } else if (ctx.server != nullptr) {
    const Connection& c = *static_cast<const Connection*>(ctx.server);
    from = c.unix_socket ? "unix:" + c.laddr() : c.addr();
    if (c.unix_socket && from.ends_with(":0")) from.resize(from.size() - 2);
  }
  const std::string bytes = absl::StrCat(
      "+", Line(int64_t{tv.tv_sec} * 1000000 + tv.tv_usec, ctx.client->db, from, argv), "\r\n");
  std::vector<std::shared_ptr<Subscriber>> to;
  {
    MutexLock l(&mu_);
    to.reserve(monitors_.size());
    for (const auto& [conn, sub] : monitors_) to.push_back(sub);
  }
  for (const auto& sub : to) DeliverBytes(sub.get(), bytes);
}

void MonitorFeed::Add(const Connection* c, std::shared_ptr<Subscriber> subscriber) {
  if (subscriber == nullptr) return;
  MutexLock l(&mu_);
  for (const auto& [conn, sub] : monitors_) {
    if (conn == c) return;
  }
  monitors_.emplace_back(c, std::move(subscriber));
  count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
}

void MonitorFeed::Remove(const Connection* c) {
  if (!active()) return;
  MutexLock l(&mu_);
  for (auto it = monitors_.begin(); it != monitors_.end(); ++it) {
    if (it->first == c) {
      monitors_.erase(it);
      count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
      return;
    }
  }
}

void RegisterMonitorCommand(commands::CommandTable* table) {
  using namespace commands;            // NOLINT: flag names
  using namespace commands::describe;  // NOLINT: the entry helpers
  table->Register({.name = "monitor",
                   .arity = 1,
                   .flags = kAdmin | kNoScript | kLoading | kStale,
                   .group = "server",
                   .summary = "Listen for all requests received by the server in real time",
                   .since = "1.0.0",
                   .handler = CmdMonitor});
}

}  // namespace embedis::server_internal
