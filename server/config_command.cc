// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the parameters embedis knows (ConfigEntries).
// Some apply at once (RuntimeConfig in server_state.h); the rest report fixed values so that
// clients asking for common Redis parameters get an answer.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/util/glob.h"
#include "lib/util/strings.h"
#include "server/command_util.h"
#include "server/options.h"
#include "server/persistence.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

using commands::Args;
using commands::CommandContext;
using commands::EqualsIgnoreCase;
using commands::MakeSpec;
using commands::ReplyError;

struct ConfigEntry {
  std::string name;
  std::function<std::string(ServerState&)> get;
  // Returns an error detail ("argument must be ...") or nullopt on success. Unset: immutable.
  std::function<std::optional<std::string>(ServerState&, std::string_view)> set;
};

std::optional<std::string> SetInt(std::string_view value, int64_t min, int64_t max,
                                  const std::function<void(int64_t)>& apply) {
  int64_t v;
  if (!commands::ParseInt64(value, &v)) return "argument couldn't be parsed into an integer";
  if (v < min || v > max) {
    return absl::StrCat("argument must be between ", min, " and ", max, " inclusive");
  }
  apply(v);
  return std::nullopt;
}

std::optional<std::string> SetMemory(std::string_view value, int64_t min,
                                     const std::function<void(int64_t)>& apply,
                                     int64_t max = INT64_MAX) {
  std::optional<int64_t> v = ParseMemorySize(value);
  if (!v) return "argument must be a memory value";
  if (*v < min || *v > max)
    return absl::StrCat("argument must be between ", min, " and ", max, " inclusive");
  apply(*v);
  return std::nullopt;
}

std::optional<std::string> SetBool(std::string_view value, const std::function<void(bool)>& apply) {
  if (EqualsIgnoreCase(value, "yes")) {
    apply(true);
  } else if (EqualsIgnoreCase(value, "no")) {
    apply(false);
  } else {
    return "argument must be 'yes' or 'no'";
  }
  return std::nullopt;
}

ConfigEntry Fixed(std::string name, std::string value) {
  return ConfigEntry{std::move(name), [value](ServerState&) { return value; }, nullptr};
}

const std::vector<ConfigEntry>& ConfigEntries() {
  static const std::vector<ConfigEntry>* entries = [] {
    auto* e = new std::vector<ConfigEntry>;
    e->push_back(
        {"port", [](ServerState& s) { return std::to_string(std::max(s.port(), 0)); }, nullptr});
    e->push_back(
        {"bind", [](ServerState& s) { return absl::StrJoin(s.options().bind, " "); }, nullptr});
    e->push_back({"unixsocket", [](ServerState& s) { return s.options().unixsocket; }, nullptr});
    e->push_back({"unixsocketperm",
                  [](ServerState& s) {
                    char buf[16];
                    std::snprintf(buf, sizeof(buf), "%o", s.options().unixsocketperm);
                    return std::string(buf);
                  },
                  nullptr});
    e->push_back({"requirepass", [](ServerState& s) { return s.Password(); },
                  [](ServerState& s, std::string_view v) -> std::optional<std::string> {
                    s.SetPassword(std::string(v));
                    return std::nullopt;
                  }});
    e->push_back(
        {"protected-mode",
         [](ServerState& s) { return std::string(s.config().protected_mode ? "yes" : "no"); },
         [](ServerState& s, std::string_view v) {
           return SetBool(v, [&](bool b) { s.config().protected_mode = b; });
         }});
    e->push_back({"databases",
                  [](ServerState& s) { return std::to_string(s.keyspace()->databases()); },
                  nullptr});
    e->push_back({"maxclients",
                  [](ServerState& s) { return std::to_string(s.config().maxclients.load()); },
                  [](ServerState& s, std::string_view v) {
                    return SetInt(v, 1, INT32_MAX,
                                  [&](int64_t n) { s.config().maxclients = static_cast<int>(n); });
                  }});
    e->push_back({"timeout",
                  [](ServerState& s) { return std::to_string(s.config().timeout_seconds.load()); },
                  [](ServerState& s, std::string_view v) {
                    return SetInt(v, 0, INT32_MAX, [&](int64_t n) {
                      s.config().timeout_seconds = static_cast<int>(n);
                    });
                  }});
    e->push_back(
        {"proto-max-bulk-len",
         [](ServerState& s) { return std::to_string(s.config().proto_max_bulk_len.load()); },
         [](ServerState& s, std::string_view v) {
           // Applies to connections accepted afterwards.
           // Capped at kMaxProtoMaxBulkLen, the keyspace's key limit (Redis: INT64_MAX).
           return SetMemory(
               v, 1024 * 1024, [&](int64_t n) { s.config().proto_max_bulk_len = n; },
               kMaxProtoMaxBulkLen);
         }});
    e->push_back(
        {"client-query-buffer-limit",
         [](ServerState& s) { return std::to_string(s.config().client_query_buffer_limit.load()); },
         [](ServerState& s, std::string_view v) {
           return SetMemory(v, 1024 * 1024,
                            [&](int64_t n) { s.config().client_query_buffer_limit = n; });
         }});
    e->push_back(
        {"client-output-buffer-limit",
         [](ServerState& s) {
           return absl::StrCat("normal ", s.config().client_output_buffer_limit.load(),
                               " 0 0 replica 268435456 67108864 60 pubsub 33554432 8388608 60");
         },
         [](ServerState& s, std::string_view v) -> std::optional<std::string> {
           // "<class> <hard> <soft> <seconds>"...; only the normal class's hard limit applies.
           std::vector<std::string> words;
           std::string cur;
           for (char ch : v) {
             if (ch == ' ') {
               if (!cur.empty()) words.push_back(cur);
               cur.clear();
             } else {
               cur.push_back(ch);
             }
           }
           if (!cur.empty()) words.push_back(cur);
           if (words.empty() || words.size() % 4 != 0)
             return "Wrong number of arguments in buffer limit configuration.";
           for (size_t i = 0; i < words.size(); i += 4) {
             std::string cls = commands::AsciiLower(words[i]);
             if (cls != "normal" && cls != "replica" && cls != "slave" && cls != "pubsub") {
               return "Invalid client class specified in buffer limit configuration.";
             }
             if (!ParseMemorySize(words[i + 1]) || !ParseMemorySize(words[i + 2]) ||
                 !ParseMemorySize(words[i + 3])) {
               return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
             }
           }
           for (size_t i = 0; i < words.size(); i += 4) {
             if (commands::AsciiLower(words[i]) == "normal") {
               s.config().client_output_buffer_limit = *ParseMemorySize(words[i + 1]);
             }
           }
           return std::nullopt;
         }});
    e->push_back(
        {"io-threads", [](ServerState& s) { return std::to_string(s.io_threads()); }, nullptr});
    e->push_back({"loglevel",
                  [](ServerState& s) {
                    return std::string(
                        LogLevelName(static_cast<LogLevel>(s.config().loglevel.load())));
                  },
                  [](ServerState& s, std::string_view v) -> std::optional<std::string> {
                    std::optional<LogLevel> level = ParseLogLevel(v);
                    if (!level) {
                      return "argument(s) must be one of the following: debug, verbose, notice, "
                             "warning";
                    }
                    s.config().loglevel = static_cast<int>(*level);
                    return std::nullopt;
                  }});
    e->push_back({"hz", [](ServerState& s) { return std::to_string(s.config().hz.load()); },
                  [](ServerState& s, std::string_view v) {
                    return SetInt(v, 1, 500,
                                  [&](int64_t n) { s.config().hz = static_cast<int>(n); });
                  }});
    e->push_back(
        {"shards", [](ServerState& s) { return std::to_string(s.keyspace()->shards()); }, nullptr});
    // Common options clients ask for; embedis has no persistence, eviction or cluster.
    // Snapshots (server/persistence.h); without persistence, what they were before it.
    e->push_back({"save",
                  [](ServerState& s) {
                    return s.persistence() ? s.persistence()->save_rules() : std::string();
                  },
                  [](ServerState& s, std::string_view v) -> std::optional<std::string> {
                    if (!s.persistence()) return "persistence is disabled on this server";
                    absl::Status st = s.persistence()->SetSaveRules(v);
                    if (!st.ok()) return std::string(st.message());
                    return std::nullopt;
                  }});
    e->push_back(Fixed("appendonly", "no"));
    e->push_back(Fixed("appendfsync", "everysec"));
    e->push_back(Fixed("maxmemory", "0"));
    e->push_back(Fixed("maxmemory-policy", "noeviction"));
    e->push_back(Fixed("maxmemory-samples", "5"));
    e->push_back(Fixed("tcp-keepalive", "300"));
    e->push_back(Fixed("tcp-backlog", "511"));
    e->push_back(Fixed("daemonize", "no"));
    e->push_back(Fixed("supervised", "no"));
    e->push_back(Fixed("logfile", ""));
    e->push_back({"dir",
                  [](ServerState& s) {
                    if (s.persistence()) return s.persistence()->dir();
                    char buf[4096];
                    return std::string(getcwd(buf, sizeof(buf)) ? buf : "");
                  },
                  nullptr});
    e->push_back({"dbfilename",
                  [](ServerState& s) {
                    return s.persistence() ? s.persistence()->dbfilename()
                                           : std::string("dump.rdb");
                  },
                  nullptr});
    e->push_back(Fixed("cluster-enabled", "no"));
    e->push_back(Fixed("notify-keyspace-events", ""));
    e->push_back(Fixed("slowlog-log-slower-than", "10000"));
    e->push_back(Fixed("slowlog-max-len", "128"));
    e->push_back(Fixed("lua-time-limit", "5000"));
    e->push_back(Fixed("busy-reply-threshold", "5000"));
    e->push_back(Fixed("replica-read-only", "yes"));
    e->push_back(Fixed("lazyfree-lazy-user-flush", "no"));
    return e;
  }();
  return *entries;
}

void CmdConfigGet(CommandContext& ctx, Args argv) {
  ServerState& state = State(ctx);
  std::vector<std::pair<std::string, std::string>> found;
  for (const ConfigEntry& e : ConfigEntries()) {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (GlobMatch(argv[i], e.name, /*nocase=*/true)) {
        found.emplace_back(e.name, e.get(state));
        break;
      }
    }
  }
  ctx.reply->MapHeader(found.size());
  for (const auto& [k, v] : found) {
    ctx.reply->BulkString(k);
    ctx.reply->BulkString(v);
  }
}

void CmdConfigSet(CommandContext& ctx, Args argv) {
  if ((argv.size() - 2) % 2 != 0) return commands::ReplyWrongArity(ctx, "config|set");
  ServerState& state = State(ctx);
  std::vector<std::pair<const ConfigEntry*, std::string_view>> changes;
  for (size_t i = 2; i < argv.size(); i += 2) {
    const ConfigEntry* entry = nullptr;
    for (const ConfigEntry& e : ConfigEntries()) {
      if (EqualsIgnoreCase(argv[i], e.name)) entry = &e;
    }
    if (entry == nullptr) {
      return ReplyError(ctx, absl::StrCat("ERR Unknown option or number of arguments for CONFIG "
                                          "SET - '",
                                          ToAbsl(argv[i]), "'"));
    }
    if (!entry->set) {
      return ReplyError(ctx, absl::StrCat("ERR CONFIG SET failed (possibly related to argument '",
                                          ToAbsl(argv[i]), "') - can't set immutable config"));
    }
    changes.emplace_back(entry, argv[i + 1]);
  }
  for (const auto& [entry, value] : changes) {
    if (std::optional<std::string> err = entry->set(state, value)) {
      return ReplyError(ctx, absl::StrCat("ERR CONFIG SET failed (possibly related to argument '",
                                          entry->name, "') - ", *err));
    }
  }
  ctx.reply->Ok();
}

void CmdConfigResetStat(CommandContext& ctx, Args) {
  Stats& st = State(ctx).stats();
  st.connections_received = 0;
  st.commands_processed = 0;
  st.rejected_connections = 0;
  st.net_input_bytes = 0;
  st.net_output_bytes = 0;
  st.output_limit_disconnections = 0;
  st.query_limit_disconnections = 0;
  ctx.reply->Ok();
}

void CmdConfigRewrite(CommandContext& ctx, Args) {
  ReplyError(ctx, "ERR The server is running without a config file");
}

void CmdConfigHelp(CommandContext& ctx, Args) {
  ReplyHelp(ctx, "config",
            {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their",
             "    values.", "SET <directive> <value>",
             "    Set the configuration <directive> to <value>.", "RESETSTAT",
             "    Reset statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file."});
}

}  // namespace

void RegisterConfigCommand(commands::CommandTable* table) {
  using namespace commands;  // NOLINT: flag names
  const uint32_t flags = kAdmin | kNoScript | kLoading | kStale;
  table->Register(MakeContainer(
      "config", "server", "A container for server configuration commands.", "2.0.0",
      {
          MakeSpec("get", -3, flags, CmdConfigGet,
                   "Returns the effective values of configuration parameters.", "2.0.0"),
          MakeSpec("set", -4, flags, CmdConfigSet, "Sets configuration parameters in-flight.",
                   "2.0.0"),
          MakeSpec("resetstat", 2, flags, CmdConfigResetStat, "Resets the server's statistics.",
                   "2.0.0"),
          MakeSpec("rewrite", 2, flags, CmdConfigRewrite,
                   "Persists the effective configuration to file.", "2.8.0"),
          MakeSpec("help", 2, kLoading | kStale, CmdConfigHelp,
                   "Returns helpful text about the different subcommands.", "5.0.0"),
      }));
}

}  // namespace embedis::server_internal
