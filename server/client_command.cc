// CLIENT and its subcommands: ID, INFO, LIST, SETNAME, GETNAME, SETINFO, KILL, NO-EVICT, NO-TOUCH,
// REPLY, PAUSE, UNPAUSE, UNBLOCK, HELP. CLIENT LIST and CLIENT KILL see every connection through
// the server's registry; a kill is posted to the target's own loop (server_state.h).
//
// CLIENT REPLY sets the connection's reply mode; the loop drops the replies (server_state.h).
// CLIENT PAUSE sets the server's pause; HeldByPause (below) says which commands it holds and the
// loop holds them (server_state.h). Only network clients are paused: the embedding application's
// own Keyspace calls are not.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"
#include "server/command_util.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

using commands::Args;
using commands::CommandContext;
using commands::CommandSpec;
using commands::EqualsIgnoreCase;
using commands::ReplyError;

void CmdClientId(CommandContext& ctx, Args) { ctx.reply->Integer(ctx.client->id); }

void CmdClientInfo(CommandContext& ctx, Args) {
  ctx.reply->Verbatim("txt", absl::StrCat(Conn(ctx).InfoLine(NowMs()), "\n"));
}

// As redis-server 7.0: `CLIENT LIST`, `CLIENT LIST TYPE <type>` or `CLIENT LIST ID <id>...`,
// nothing else. IDs are answered in the order given (repeated ones repeat), an ID no client has (0,
// -1, one that has gone) adds nothing, and only one that is not an integer is an error.
void CmdClientList(CommandContext& ctx, Args argv) {
  ServerState& state = State(ctx);
  std::string text;
  const int64_t now = NowMs();
  if (argv.size() == 4 && EqualsIgnoreCase(argv[2], "type")) {
    std::string_view type = argv[3];
    if (EqualsIgnoreCase(type, "normal")) {
      for (const auto& c : state.Clients()) absl::StrAppend(&text, c->InfoLine(now), "\n");
    } else if (!EqualsIgnoreCase(type, "master") && !EqualsIgnoreCase(type, "replica") &&
               !EqualsIgnoreCase(type, "slave") && !EqualsIgnoreCase(type, "pubsub")) {
      return ReplyError(ctx, absl::StrCat("ERR Unknown client type '", ToAbsl(type), "'"));
    }
  } else if (argv.size() > 3 && EqualsIgnoreCase(argv[2], "id")) {
    std::vector<int64_t> ids;
    for (size_t i = 3; i < argv.size(); ++i) {
      int64_t id;
      if (!commands::ParseInt64(argv[i], &id)) return ReplyError(ctx, errors::kInvalidClientId);
      ids.push_back(id);
    }
    const std::vector<std::shared_ptr<Connection>> clients = state.Clients();
    for (int64_t id : ids) {
      for (const auto& c : clients) {
        if (c->id() == id) absl::StrAppend(&text, c->InfoLine(now), "\n");
      }
    }
  } else if (argv.size() != 2) {
    return ReplyError(ctx, errors::kSyntax);
  } else {
    for (const auto& c : state.Clients()) absl::StrAppend(&text, c->InfoLine(now), "\n");
  }
  ctx.reply->Verbatim("txt", text);
}

void CmdClientSetName(CommandContext& ctx, Args argv) {
  if (!ValidClientName(argv[2])) return ReplyError(ctx, kBadClientName);
  Conn(ctx).SetName(std::string(argv[2]));
  ctx.reply->Ok();
}

void CmdClientGetName(CommandContext& ctx, Args) {
  if (ctx.client->name.empty()) return ctx.reply->Null();
  ctx.reply->BulkString(ctx.client->name);
}

void CmdClientSetInfo(CommandContext& ctx, Args argv) {
  std::string_view attr = argv[2], value = argv[3];
  const bool is_name = EqualsIgnoreCase(attr, "lib-name");
  const bool is_ver = EqualsIgnoreCase(attr, "lib-ver");
  if (!is_name && !is_ver) {
    return ReplyError(ctx, absl::StrCat("ERR Unrecognized option '", ToAbsl(attr), "'"));
  }
  if (!ValidClientName(value)) {
    return ReplyError(ctx, absl::StrCat("ERR ", is_name ? "lib-name" : "lib-ver",
                                        " cannot contain spaces, newlines or special characters."));
  }
  if (is_name) {
    Conn(ctx).SetLibName(std::string(value));
  } else {
    Conn(ctx).SetLibVer(std::string(value));
  }
  ctx.reply->Ok();
}

// Asks the owner of `target` to close it; a client killing itself gets its reply first.
void KillClient(CommandContext& ctx, const std::shared_ptr<Connection>& target) {
  if (target.get() == &Conn(ctx)) {
    ctx.client->close_after_reply = true;
  } else {
    target->loop()->Kill(target->id());
  }
}

void CmdClientKill(CommandContext& ctx, Args argv) {
  ServerState& state = State(ctx);
  if (argv.size() == 3) {  // CLIENT KILL addr:port (the old form)
    for (const auto& c : state.Clients()) {
      if (c->addr() == argv[2]) {
        KillClient(ctx, c);
        return ctx.reply->Ok();
      }
    }
    return ReplyError(ctx, errors::kNoSuchClient);
  }
  if ((argv.size() - 2) % 2 != 0) return ReplyError(ctx, errors::kSyntax);
  std::optional<int64_t> id;
  std::optional<std::string_view> addr, laddr, user;
  bool skipme = true, type_none = false;
  for (size_t i = 2; i < argv.size(); i += 2) {
    std::string_view opt = argv[i], value = argv[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      int64_t v;
      if (!commands::ParseInt64(value, &v) || v <= 0) {
        return ReplyError(ctx, errors::kClientIdNotPositive);
      }
      id = v;
    } else if (EqualsIgnoreCase(opt, "addr")) {
      addr = value;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      laddr = value;
    } else if (EqualsIgnoreCase(opt, "user")) {
      user = value;
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (EqualsIgnoreCase(value, "normal")) continue;
      if (EqualsIgnoreCase(value, "master") || EqualsIgnoreCase(value, "replica") ||
          EqualsIgnoreCase(value, "slave") || EqualsIgnoreCase(value, "pubsub")) {
        type_none = true;
        continue;
      }
      return ReplyError(ctx, absl::StrCat("ERR Unknown client type '", ToAbsl(value), "'"));
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(value, "yes")) {
        skipme = true;
      } else if (EqualsIgnoreCase(value, "no")) {
        skipme = false;
      } else {
        return ReplyError(ctx, errors::kSyntax);
      }
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  int64_t killed = 0;
  if (!type_none) {
    for (const auto& c : state.Clients()) {
      if (id && c->id() != *id) continue;
      if (addr && c->addr() != *addr) continue;
      if (laddr && c->laddr() != *laddr) continue;
      if (user && *user != "default") continue;
      if (skipme && c.get() == &Conn(ctx)) continue;
      KillClient(ctx, c);
      ++killed;
    }
  }
  ctx.reply->Integer(killed);
}

// CLIENT NO-EVICT / NO-TOUCH ON|OFF: sets `flag` of the connection.
template <typename Flag>
commands::Handler OnOff(Flag Connection::*flag) {
  return [flag](CommandContext& ctx, Args argv) {
    if (EqualsIgnoreCase(argv[2], "on")) {
      Conn(ctx).*flag = true;
    } else if (EqualsIgnoreCase(argv[2], "off")) {
      Conn(ctx).*flag = false;
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
    ctx.reply->Ok();
  };
}

// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP reply nothing themselves; ON replies +OK.
void CmdClientReply(CommandContext& ctx, Args argv) {
  Connection& conn = Conn(ctx);
  if (EqualsIgnoreCase(argv[2], "on")) {
    conn.RepliesOn();
    ctx.reply->Ok();
  } else if (EqualsIgnoreCase(argv[2], "off")) {
    conn.RepliesOff();
  } else if (EqualsIgnoreCase(argv[2], "skip")) {
    conn.SkipNextReply();
  } else {
    ReplyError(ctx, errors::kSyntax);
  }
}

// CLIENT PAUSE timeout [WRITE|ALL]: redis-server checks the mode before the timeout.
void CmdClientPause(CommandContext& ctx, Args argv) {
  if (argv.size() > 4) {
    return ReplyError(ctx, absl::StrCat("ERR unknown subcommand or wrong number of arguments for '",
                                        ToAbsl(argv[1].substr(0, 128)), "'. Try CLIENT HELP."));
  }
  PauseMode mode = PauseMode::kAll;
  if (argv.size() == 4) {
    if (EqualsIgnoreCase(argv[3], "write")) {
      mode = PauseMode::kWrite;
    } else if (!EqualsIgnoreCase(argv[3], "all")) {
      return ReplyError(ctx, errors::kPauseMode);
    }
  }
  int64_t timeout;
  if (!commands::ParseInt64(argv[2], &timeout)) {
    return ReplyError(ctx, errors::kTimeoutNotInteger);
  }
  if (timeout < 0) return ReplyError(ctx, errors::kTimeoutNegative);
  State(ctx).Pause(timeout, mode);
  ctx.reply->Ok();
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked on keys (it then gets its timeout
// reply or the UNBLOCKED error from its own loop), 0 otherwise (server/blocking.h). redis-server
// checks the reason before the id. A client held by CLIENT PAUSE is not blocked on keys: 0.
void CmdClientUnblock(CommandContext& ctx, Args argv) {
  if (argv.size() > 4) {
    return ReplyError(ctx, absl::StrCat("ERR unknown subcommand or wrong number of arguments for '",
                                        ToAbsl(argv[1]), "'. Try CLIENT HELP."));
  }
  UnblockReason reason = UnblockReason::kTimeout;
  if (argv.size() == 4) {
    if (EqualsIgnoreCase(argv[3], "error")) {
      reason = UnblockReason::kError;
    } else if (!EqualsIgnoreCase(argv[3], "timeout")) {
      return ReplyError(ctx, errors::kUnblockReason);
    }
  }
  int64_t id;
  if (!commands::ParseInt64(argv[2], &id)) return ReplyError(ctx, errors::kNotInteger);
  std::shared_ptr<Connection> target = State(ctx).FindClient(id);
  bool claimed = false;
  // With every loop held off, no serve or timeout of the target is half done: the claim is
  // atomic with them (its loop checks unblock_reason under its exec_mu_).
  auto claim = [&] {
    int none = static_cast<int>(UnblockReason::kNone);
    claimed = target != nullptr && target->waiting_on_keys.load(std::memory_order_relaxed) &&
              target->unblock_reason.compare_exchange_strong(none, static_cast<int>(reason));
  };
  if (ctx.exclusive != nullptr) {
    ctx.exclusive->Run(claim);
  } else {
    claim();
  }
  if (claimed) target->loop()->PostUnblock(id);
  ctx.reply->Integer(claimed ? 1 : 0);
}

void CmdClientUnpause(CommandContext& ctx, Args) {
  State(ctx).Unpause();
  ctx.reply->Ok();
}

void CmdClientHelp(CommandContext& ctx, Args) {
  ReplyHelp(ctx, "client",
            {"GETNAME",
             "    Return the name of the current connection.",
             "ID",
             "    Return the ID of the current connection.",
             "INFO",
             "    Return information about the current client connection.",
             "KILL <ip:port>",
             "    Kill connection made from <ip:port>.",
             "KILL <option> <value> [<option> <value> [...]]",
             "    Kill connections. Options are:",
             "    * ADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made from the specified address",
             "    * LADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made to specified local address",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Kill connections by type.",
             "    * USER <username>",
             "      Kill connections authenticated by <username>.",
             "    * SKIPME (YES|NO)",
             "      Skip killing current connection (default: yes).",
             "LIST [options ...]",
             "    Return information about client connections. Options:",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Return clients of specified type.",
             "    * ID <client-id> [<client-id> ...]",
             "      Return clients of specified IDs.",
             "UNPAUSE",
             "    Stop the current client pause, resuming traffic.",
             "PAUSE <timeout> [WRITE|ALL]",
             "    Suspend all, or just write, clients for <timeout> milliseconds.",
             "REPLY (ON|OFF|SKIP)",
             "    Control the replies sent to the current connection.",
             "SETNAME <name>",
             "    Assign the name <name> to the current connection.",
             "SETINFO <option> <value>",
             "    Set client meta attr. Options are:",
             "    * LIB-NAME: the client lib name.",
             "    * LIB-VER: the client lib version.",
             "UNBLOCK <clientid> [TIMEOUT|ERROR]",
             "    Unblock the specified blocked client.",
             "NO-EVICT (ON|OFF)",
             "    Protect current client connection from eviction.",
             "NO-TOUCH (ON|OFF)",
             "    Will not touch LRU/LFU stats when this mode is on."});
}

// Whether the resolved command is a write command (a container's subcommand decides for it), or
// may write (EVAL).
bool Writes(const commands::Resolved& r) {
  return ((r.sub != nullptr ? r.sub->flags : r.top->flags) & commands::kWrite) != 0 ||
         r.has(commands::kMayWrite);
}

}  // namespace

bool HeldByPause(PauseMode mode, const commands::CommandTable& table,
                 const commands::ClientState& client, const commands::Resolved& r) {
  // What redis-server rejects before it looks at the pause is answered at once.
  if (!r.ok()) return false;
  if (!client.authenticated && (r.top->flags & commands::kNoAuth) == 0) return false;
  if (client.tx.in_multi && (r.flags() & commands::kNoMulti) != 0) return false;
  if (mode == PauseMode::kAll) return true;
  // WRITE: write commands, queued in MULTI or not, and an EXEC that would run one.
  if (Writes(r)) return true;
  if (!r.has(commands::kEndsTransaction) || !client.tx.in_multi) return false;
  for (const std::vector<std::string>& queued : client.tx.queue) {
    const std::vector<std::string_view> argv(queued.begin(), queued.end());
    const commands::Resolved q = table.Resolve(argv, table.Find(argv[0]));
    if (q.ok() && Writes(q)) return true;
  }
  return false;
}

void RegisterClientCommand(commands::CommandTable* table) {
  using namespace commands;            // NOLINT: flag names
  using namespace commands::describe;  // NOLINT: the entry helpers
  // Subcommands take their group from the container.
  table->Register(
      {.name = "client",
       .arity = -2,
       .group = "connection",
       .summary = "A container for client connection commands.",
       .since = "2.4.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "id",
            .arity = 2,
            .flags = kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Returns the unique client ID of the connection.",
            .since = "5.0.0",
            .complexity = "O(1)",
            .handler = CmdClientId},
           {.name = "info",
            .arity = 2,
            .flags = kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .tips = {"nondeterministic_output"},
            .summary = "Returns information about the connection.",
            .since = "6.2.0",
            .complexity = "O(1)",
            .handler = CmdClientInfo},
           {.name = "list",
            .arity = -2,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .tips = {"nondeterministic_output"},
            .summary = "Lists open connections.",
            .since = "2.4.0",
            .complexity = "O(N) where N is the number of client connections",
            .history = {{"2.8.12", "Added unique client `id` field."},
                        {"5.0.0", "Added optional `TYPE` filter."},
                        {"6.0.0", "Added `user` field."},
                        {"6.2.0",
                         "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional "
                         "`ID` filter."},
                        {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
                        {"7.0.3", "Added `ssub` field."}},
            .args = {OneOf("normal_master_replica_pubsub",
                           {Tok("normal", "NORMAL"), Tok("master", "MASTER"),
                            Tok("replica", "REPLICA"), Tok("pubsub", "PUBSUB")})
                         .Token("TYPE")
                         .Since("5.0.0")
                         .Opt(),
                     Block("id", {Int("client-id").Multi()}).Token("ID").Since("6.2.0").Opt()},
            .handler = CmdClientList},
           {.name = "setname",
            .arity = 3,
            .flags = kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Sets the connection name.",
            .since = "2.6.9",
            .complexity = "O(1)",
            .args = {Str("connection-name")},
            .handler = CmdClientSetName},
           {.name = "getname",
            .arity = 2,
            .flags = kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Returns the name of the connection.",
            .since = "2.6.9",
            .complexity = "O(1)",
            .handler = CmdClientGetName},
           {.name = "setinfo",
            .arity = 4,
            .flags = kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Sets information specific to the client or connection.",
            .since = "7.2.0",
            .complexity = "O(1)",
            .args = {OneOf("attr",
                           {Str("libname").Token("lib-name"), Str("libver").Token("lib-ver")})},
            .handler = CmdClientSetInfo},
           {.name = "kill",
            .arity = -3,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Terminates open connections.",
            .since = "2.4.0",
            .complexity = "O(N) where N is the number of client connections",
            .history =
                {{"2.8.12", "Added new filter format."},
                 {"2.8.12", "`ID` option."},
                 {"3.2.0", "Added `master` type in for `TYPE` option."},
                 {"5.0.0",
                  "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward "
                  "compatibility."},
                 {"6.2.0", "`LADDR` option."}},
            .args = {OneOf(
                "filter",
                {Str("ip:port").Deprecated("2.8.12"),
                 OneOf("new-format",
                       {Int("client-id").Token("ID").Since("2.8.12").Opt(),
                        OneOf("normal_master_slave_pubsub",
                              {Tok("normal", "NORMAL"), Tok("master", "MASTER").Since("3.2.0"),
                               Tok("slave", "SLAVE"), Tok("replica", "REPLICA").Since("5.0.0"),
                               Tok("pubsub", "PUBSUB")})
                            .Token("TYPE")
                            .Since("2.8.12")
                            .Opt(),
                        Str("username").Token("USER").Opt(), Str("ip:port").Token("ADDR").Opt(),
                        Str("ip:port").Token("LADDR").Since("6.2.0").Opt(),
                        Str("yes/no").Token("SKIPME").Opt()})
                     .Multi()})},
            .handler = CmdClientKill},
           {.name = "no-evict",
            .arity = 3,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Sets the client eviction mode of the connection.",
            .since = "7.0.0",
            .complexity = "O(1)",
            .args = {OnOffArg("enabled")},
            .handler = OnOff(&Connection::no_evict)},
           {.name = "no-touch",
            .arity = 3,
            .flags = kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary =
                "Controls whether commands sent by the client affect the LRU/LFU of accessed "
                "keys.",
            .since = "7.2.0",
            .complexity = "O(1)",
            .args = {OnOffArg("enabled")},
            .handler = OnOff(&Connection::no_touch)},
           {.name = "reply",
            .arity = 3,
            .flags = kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Instructs the server whether to reply to commands.",
            .since = "3.2.0",
            .complexity = "O(1)",
            .args = {OneOf("on_off_skip",
                           {Tok("on", "ON"), Tok("off", "OFF"), Tok("skip", "SKIP")})},
            .handler = CmdClientReply},
           {.name = "pause",
            .arity = -3,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Suspends commands processing.",
            .since = "2.9.50",
            .complexity = "O(1)",
            .history = {{"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}},
            .args =
                {Int("timeout"),
                 OneOf("mode", {Tok("write", "WRITE"), Tok("all", "ALL")}).Since("6.2.0").Opt()},
            .handler = CmdClientPause},
           {.name = "unblock",
            .arity = -3,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary =
                "Unblocks a client blocked by a blocking command from a different connection.",
            .since = "5.0.0",
            .complexity = "O(log N) where N is the number of client connections",
            .args =
                {Int("client-id"),
                 OneOf("timeout_error", {Tok("timeout", "TIMEOUT"), Tok("error", "ERROR")}).Opt()},
            .handler = CmdClientUnblock},
           {.name = "unpause",
            .arity = 2,
            .flags = kAdmin | kNoScript | kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Resumes processing commands from paused clients.",
            .since = "6.2.0",
            .complexity = "O(N) Where N is the number of paused clients",
            .handler = CmdClientUnpause},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Returns helpful text about the different subcommands.",
            .since = "5.0.0",
            .complexity = "O(1)",
            .handler = CmdClientHelp}}});
}

}  // namespace embedis::server_internal
