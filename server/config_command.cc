// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the configuration table
// (server/config_table.h); the values live in RuntimeConfig (server_state.h).
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"
#include "lib/util/strings.h"
#include "server/command_util.h"
#include "server/config_rewrite.h"
#include "server/config_table.h"
#include "server/options.h"
#include "server/persistence.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

using commands::Args;
using commands::CommandContext;
using commands::EqualsIgnoreCase;
using commands::ReplyError;

// Makes the parameters of `hook` take effect from `values` (already stored in the server's
// configuration). An error (as CONFIG SET words it) makes CONFIG SET restore the old values.
std::optional<std::string> RunHook(ConfigHook hook, ServerState& s, ServerOptions& values) {
  switch (hook) {
    case ConfigHook::kNone:
      return std::nullopt;
    case ConfigHook::kRuntime:
      PublishRuntimeConfig(values, &s.config());
      return std::nullopt;
    case ConfigHook::kPassword:
      s.SetPassword(values.requirepass);
      return std::nullopt;
    case ConfigHook::kSaveRules: {
      if (!s.persistence()) {
        if (values.persistence.save.empty()) return std::nullopt;
        return "persistence is disabled on this server";
      }
      absl::Status st = s.persistence()->SetSaveRules(values.persistence.save);
      if (!st.ok()) return std::string(st.message());
      s.persistence()->SetStopWritesOnError(values.persistence.stop_writes_on_bgsave_error);
      values.persistence.save = s.persistence()->save_rules();
      return std::nullopt;
    }
    case ConfigHook::kAof: {
      Aof* aof = s.aof();
      if (aof == nullptr) {
        if (!values.persistence.appendonly) return std::nullopt;
        return "persistence is disabled on this server";
      }
      aof->SetOptions(AofOptionsOf(values.persistence, ""));
      // Turning it on happens in CmdConfigSet, with every I/O loop held (EnableAofExclusively).
      if (values.persistence.appendonly) return std::nullopt;
      absl::Status st = aof->SetEnabled(false);
      if (!st.ok()) return std::string(st.message());
      return std::nullopt;
    }
    case ConfigHook::kEncoding:
      s.keyspace()->SetEncodingLimits(EncodingLimitsOf(values));
      return std::nullopt;
    case ConfigHook::kNotify:
      s.keyspace()->SetNotifyFlags(values.notify_keyspace_events);
      return std::nullopt;
    case ConfigHook::kEviction: {
      const uint64_t before = s.keyspace()->eviction_options().maxmemory;
      s.keyspace()->SetEvictionOptions(EvictionOptionsOf(values));
      // As redis-server's CONFIG SET maxmemory: evicts at once (and, past the tenacity's time
      // budget, in the background) rather than at the next command.
      if (s.keyspace()->eviction_options().maxmemory != before) {
        s.keyspace()->EnsureMemory().IgnoreError();
      }
      return std::nullopt;
    }
    case ConfigHook::kTls: {
      // As redis-server 7: the new files and words must make a context, else nothing changes.
      absl::Status st = s.ReloadTls(values.tls);
      if (st.ok()) return std::nullopt;
      s.Log(LogLevel::kWarning, std::string(st.message()));
      return "Unable to update TLS configuration. Check server logs.";
    }
    case ConfigHook::kScripts:
      s.table().scripts()->busy().set_threshold_ms(values.busy_reply_threshold_ms);
      return std::nullopt;
    case ConfigHook::kMaxclients: {
      // As redis-server: the open-files limit must hold them (raised if it can be).
      const int fits = AdjustOpenFilesLimit(
          values.maxclients, [&s](LogLevel level, std::string m) { s.Log(level, m); });
      if (fits < values.maxclients) {
        return absl::StrCat(
            "The operating system is not able to handle the specified number of clients, try "
            "with ",
            fits);
      }
      PublishRuntimeConfig(values, &s.config());
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// CONFIG GET, as redis-server 7.0: a pattern without glob characters names one parameter (or
// its alias), answered under the name as given; a glob matches names and aliases alike. Each
// parameter is answered once.
void CmdConfigGet(CommandContext& ctx, Args argv) {
  ServerState& state = State(ctx);
  ServerOptions values;
  {
    MutexLock l(&state.config().values_mu);
    values = state.config().values;
  }
  std::vector<std::pair<std::string, std::string>> found;
  auto add = [&](const ConfigParam& p, std::string_view as) {
    for (const auto& [name, value] : found) {
      if (EqualsIgnoreCase(name, as)) return;
    }
    found.emplace_back(std::string(as), p.get(values));
  };
  for (size_t i = 2; i < argv.size(); ++i) {
    const std::string_view pattern = argv[i];
    if (pattern.find_first_of("[*?") == std::string_view::npos) {
      const ConfigParam* p = FindConfigParam(pattern);
      if (p != nullptr && !p->startup_only) add(*p, pattern);
      continue;
    }
    for (const ConfigParam& p : ConfigTable()) {
      if (p.startup_only) continue;
      if (GlobMatch(pattern, p.name, /*nocase=*/true)) add(p, p.name);
      if (!p.alias.empty() && GlobMatch(pattern, p.alias, /*nocase=*/true)) add(p, p.alias);
    }
  }
  ctx.reply->MapHeader(found.size());
  for (const auto& [k, v] : found) {
    ctx.reply->BulkString(k);
    ctx.reply->BulkString(v);
  }
}

// CONFIG SET, as redis-server 7.0: every name is checked first (unknown, immutable, duplicate),
// then every value is stored (a bad one restores those stored before it), then each hook of the
// changed parameters runs once (a failing one restores every value and re-runs the hooks).
// Nothing changes unless everything succeeds.
void CmdConfigSet(CommandContext& ctx, Args argv) {
  if ((argv.size() - 2) % 2 != 0) return ReplyError(ctx, errors::kSyntax);
  ServerState& state = State(ctx);
  auto failed = [&](std::string_view arg, std::string_view why) {
    ReplyError(ctx, absl::StrCat("ERR CONFIG SET failed (possibly related to argument '",
                                 ToAbsl(arg), "') - ", ToAbsl(why)));
  };
  std::vector<const ConfigParam*> params;
  std::optional<std::pair<std::string_view, std::string>> refused;  // argument, reason
  for (size_t i = 2; i < argv.size(); i += 2) {
    const ConfigParam* p = FindConfigParam(argv[i]);
    if (p == nullptr || p->startup_only) {
      if (refused) continue;  // the first problem is the one reported
      return ReplyError(ctx, absl::StrCat("ERR Unknown option or number of arguments for CONFIG "
                                          "SET - '",
                                          ToAbsl(argv[i]), "'"));
    }
    if (refused) continue;
    if (!p->modifiable) {
      refused.emplace(argv[i], "can't set immutable config");
    } else {
      // A name given twice (in any case); a name and its alias are not duplicates (the later
      // one wins), as in redis-server 7.0.
      for (size_t j = 2; j < i; j += 2) {
        if (EqualsIgnoreCase(argv[j], argv[i])) refused.emplace(argv[i], "duplicate parameter");
      }
    }
    params.push_back(p);
  }
  if (refused) return failed(refused->first, refused->second);

  RuntimeConfig& config = state.config();
  std::unique_lock<Mutex> l(config.values_mu);
  const ServerOptions old_values = config.values;
  ServerOptions values = config.values;
  for (size_t i = 0; i < params.size(); ++i) {
    if (std::optional<std::string> err = params[i]->set(values, argv[2 + 2 * i + 1])) {
      return failed(argv[2 + 2 * i], *err);
    }
  }
  std::vector<ConfigHook> hooks;
  for (const ConfigParam* p : params) {
    if (std::find(hooks.begin(), hooks.end(), p->hook) == hooks.end()) hooks.push_back(p->hook);
  }
  for (size_t h = 0; h < hooks.size(); ++h) {
    if (std::optional<std::string> err = RunHook(hooks[h], state, values)) {
      size_t culprit = 0;
      while (params[culprit]->hook != hooks[h]) ++culprit;
      state.Log(LogLevel::kWarning,
                absl::StrCat("Failed applying new configuration. Possibly related to new ",
                             params[culprit]->name, " setting. Restoring previous settings."));
      ServerOptions restored = old_values;
      for (size_t j = 0; j < h; ++j) RunHook(hooks[j], state, restored).reset();
      return failed(argv[2 + 2 * culprit], *err);
    }
  }
  const bool enable_aof =
      state.aof() != nullptr && values.persistence.appendonly && !state.aof()->enabled();
  config.values = std::move(values);
  l.unlock();
  if (enable_aof) {
    // CONFIG SET appendonly yes: logging starts with a new base (the dataset at this instant).
    // With every I/O loop held, no write command of a network client is half done: each one is
    // either in the base or in the log.
    absl::Status st;
    auto enable = [&] { st = state.aof()->SetEnabled(true); };
    if (ctx.exclusive != nullptr) {
      ctx.exclusive->Run(enable);
    } else {
      enable();
    }
    if (!st.ok()) {
      state.Log(LogLevel::kWarning,
                absl::StrCat("Can't enable the append only file: ", st.message()));
      {
        MutexLock restore(&config.values_mu);
        config.values.persistence.appendonly = false;
      }
      return failed("appendonly", FromAbsl(st.message()));
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
  st.evicted_clients = 0;
  ctx.keyspace->ResetStats();  // expired_keys, keyspace_hits, keyspace_misses
  ctx.reply->Ok();
}

// As redis-server 7.0: the file the server started from, with the current values
// (config_rewrite.h); an error without one.
void CmdConfigRewrite(CommandContext& ctx, Args) {
  ServerState& state = State(ctx);
  ServerOptions values;
  {
    MutexLock l(&state.config().values_mu);
    values = state.config().values;
  }
  if (values.config_file.empty()) return ReplyError(ctx, errors::kNoConfigFile);
  if (absl::Status s = RewriteConfigFile(values.config_file, values); !s.ok()) {
    state.Log(LogLevel::kWarning, absl::StrCat("CONFIG REWRITE failed: ", s.message()));
    return ReplyError(ctx, absl::StrCat("ERR Rewriting config file: ", s.message()));
  }
  state.Log(LogLevel::kNotice, "CONFIG REWRITE executed with success.");
  ctx.reply->Ok();
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
  using namespace commands;            // NOLINT: flag names
  using namespace commands::describe;  // NOLINT: the entry helpers
  // Subcommands take their group from the container.
  table->Register(
      {.name = "config",
       .arity = -2,
       .group = "server",
       .summary = "A container for server configuration commands.",
       .since = "2.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "get",
            .arity = -3,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .summary = "Returns the effective values of configuration parameters.",
            .since = "2.0.0",
            .complexity = "O(N) when N is the number of configuration parameters provided",
            .history = {{"7.0.0",
                         "Added the ability to pass multiple pattern parameters in one call"}},
            .args = {Block("parameter", {Str("parameter")}).Multi()},
            .handler = CmdConfigGet},
           {.name = "set",
            .arity = -4,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"},
            .summary = "Sets configuration parameters in-flight.",
            .since = "2.0.0",
            .complexity = "O(N) when N is the number of configuration parameters provided",
            .history = {{"7.0.0", "Added the ability to set multiple parameters in one call."}},
            .args = {Block("parameter_value", {Str("parameter"), Str("value")}).Multi()},
            .handler = CmdConfigSet},
           {.name = "resetstat",
            .arity = 2,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .summary = "Resets the server's statistics.",
            .since = "2.0.0",
            .complexity = "O(1)",
            .handler = CmdConfigResetStat},
           {.name = "rewrite",
            .arity = 2,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .summary = "Persists the effective configuration to file.",
            .since = "2.8.0",
            .complexity = "O(1)",
            .handler = CmdConfigRewrite},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .summary = "Returns helpful text about the different subcommands.",
            .since = "5.0.0",
            .complexity = "O(1)",
            .handler = CmdConfigHelp}}});
}

}  // namespace embedis::server_internal
