// The connection and server commands: AUTH, HELLO, RESET, SHUTDOWN here, and CLIENT, INFO,
// CONFIG, COMMAND in their own files (command_util.h lists them); RegisterServerCommands adds
// them all to the server's table.
//
// They need the server's state and the calling connection, which the event loop passes in
// CommandContext::server (a server_internal::Connection). The replies and error texts are
// redis-server 7's, checked against the real one.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/commands/aof.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"
#include "server/command_util.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

using commands::Args;
using commands::CommandContext;
using commands::CommandSpec;
using commands::EqualsIgnoreCase;
using commands::ReplyError;

constexpr char kWrongPass[] = "WRONGPASS invalid username-password pair or user is disabled.";
constexpr char kNoPasswordConfigured[] =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
constexpr char kHelloNoAuth[] =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
    "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
    "version at the same time";

// Checks user/password as the default user. True on success.
bool Authenticate(ServerState& state, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  if (!state.config().has_password.load(std::memory_order_relaxed)) return true;  // nopass
  return state.CheckPassword(password);
}

// ---- AUTH ----
void CmdAuth(CommandContext& ctx, Args argv) {
  if (argv.size() > 3) return ReplyError(ctx, errors::kSyntax);
  ServerState& state = State(ctx);
  if (argv.size() == 2 && !state.config().has_password.load(std::memory_order_relaxed)) {
    return ReplyError(ctx, kNoPasswordConfigured);
  }
  std::string_view user = argv.size() == 3 ? argv[1] : "default";
  if (!Authenticate(state, user, argv.back())) {
    state.Log(LogLevel::kVerbose, absl::StrCat("AUTH failed from ", Conn(ctx).addr()));
    return ReplyError(ctx, kWrongPass);
  }
  ctx.client->authenticated = true;
  ctx.reply->Ok();
}

// ---- HELLO ----
void CmdHello(CommandContext& ctx, Args argv) {
  Connection& conn = Conn(ctx);
  ServerState& state = State(ctx);
  int64_t version = 0;
  if (argv.size() >= 2) {
    if (!commands::ParseInt64(argv[1], &version)) {
      return ReplyError(ctx, errors::kProtocolVersion);
    }
    if (version < 2 || version > 3) return ReplyError(ctx, "NOPROTO unsupported protocol version");
  }
  std::optional<std::pair<std::string_view, std::string_view>> auth;
  std::optional<std::string_view> setname;
  for (size_t i = 2; i < argv.size(); ++i) {
    const bool more = i + 1 < argv.size();
    if (EqualsIgnoreCase(argv[i], "auth") && i + 2 < argv.size()) {
      auth.emplace(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (EqualsIgnoreCase(argv[i], "setname") && more) {
      setname = argv[i + 1];
      i += 1;
    } else {
      return ReplyError(ctx, absl::StrCat("ERR Syntax error in HELLO option '",
                                          ToAbsl(argv[i].substr(0, 128)), "'"));
    }
  }
  if (auth.has_value()) {
    if (!Authenticate(state, auth->first, auth->second)) return ReplyError(ctx, kWrongPass);
    ctx.client->authenticated = true;
  }
  if (!ctx.client->authenticated) return ReplyError(ctx, kHelloNoAuth);
  if (setname.has_value()) {
    if (!ValidClientName(*setname)) return ReplyError(ctx, kBadClientName);
    conn.SetName(std::string(*setname));
  }
  if (version != 0) {
    ctx.client->protocol = version == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2;
    ctx.reply->set_protocol(ctx.client->protocol);
  }
  resp::Writer& w = *ctx.reply;
  w.MapHeader(7);
  w.BulkString("server");
  w.BulkString("redis");
  w.BulkString("version");
  w.BulkString(kRedisCompatVersion);
  w.BulkString("proto");
  w.Integer(static_cast<int>(ctx.client->protocol));
  w.BulkString("id");
  w.Integer(ctx.client->id);
  w.BulkString("mode");
  w.BulkString("standalone");
  w.BulkString("role");
  w.BulkString("master");
  w.BulkString("modules");
  w.ArrayHeader(0);
}

// ---- RESET ----
void CmdReset(CommandContext& ctx, Args) {
  Connection& conn = Conn(ctx);
  ctx.client->db = 0;
  ctx.client->protocol = resp::Protocol::kResp2;
  ctx.reply->set_protocol(resp::Protocol::kResp2);
  conn.SetName("");
  conn.no_evict.store(false, std::memory_order_relaxed);
  conn.no_touch = false;
  conn.ResetReplies();  // CLIENT REPLY ON (a SKIP still drops this reply, as in redis-server)
  ctx.client->authenticated = !State(ctx).config().has_password.load(std::memory_order_relaxed);
  ctx.client->ResetTransaction();           // leaves MULTI, forgets WATCHed keys
  if (ctx.client->subscriber != nullptr) {  // leaves every channel, pattern and shard channel
    ctx.keyspace->pubsub().UnsubscribeAll(ctx.client->subscriber.get());
  }
  State(ctx).monitors().Remove(&conn);  // leaves MONITOR
  ctx.reply->SimpleString("RESET");
}

// ---- SHUTDOWN ----
void CmdShutdown(CommandContext& ctx, Args argv) {
  bool save = false, nosave = false, force = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (EqualsIgnoreCase(a, "abort")) return ReplyError(ctx, errors::kNoShutdownInProgress);
    if (!EqualsIgnoreCase(a, "nosave") && !EqualsIgnoreCase(a, "save") &&
        !EqualsIgnoreCase(a, "now") && !EqualsIgnoreCase(a, "force")) {
      return ReplyError(ctx, errors::kSyntax);
    }
    save = save || EqualsIgnoreCase(a, "save");
    nosave = nosave || EqualsIgnoreCase(a, "nosave");
    force = force || EqualsIgnoreCase(a, "force");
  }
  if (save && nosave) return ReplyError(ctx, errors::kSyntax);
  ServerState& state = State(ctx);
  // A busy script (past busy-reply-threshold): only SHUTDOWN NOSAVE, which stops it (its writes
  // so far stay, as in Redis, where the process just exits).
  if (scripting::BusyScript& busy = ctx.table->scripts()->busy(); ctx.script_busy || busy.busy()) {
    if (!nosave) return ReplyError(ctx, busy.BusyError());
    busy.Abort();
  }
  state.Log(LogLevel::kWarning, "User requested shutdown...");
  if (Persistence* p = state.persistence()) {  // SAVE / NOSAVE / save rules (persistence.h)
    using Mode = Persistence::ShutdownMode;
    const Mode mode = save ? Mode::kSave : (nosave ? Mode::kNoSave : Mode::kDefault);
    if (!p->PrepareShutdown(mode, force).ok()) {
      return ReplyError(ctx, errors::kShutdownFailed);
    }
  }
  // redis-server sends no reply: the client sees the connection close.
  Conn(ctx).closing = true;
  state.RunShutdownHook();
}

}  // namespace

void RegisterServerCommands(commands::CommandTable* table) {
  RegisterPersistenceCommands(table, [](CommandContext& ctx) { return State(ctx).persistence(); });
  RegisterAofCommands(table, [](CommandContext& ctx) { return State(ctx).aof(); });
  using namespace commands;            // NOLINT: flag names
  using namespace commands::describe;  // NOLINT: the entry helpers
  table->Register({.name = "auth",
                   .arity = -2,
                   .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
                   .acl = kAclConnection,
                   .group = "connection",
                   .summary = "Authenticates the connection.",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the number of passwords defined for the user",
                   .history = {{"6.0.0", "Added ACL style (username and password)."}},
                   .args = {Str("username").Since("6.0.0").Opt(), Str("password")},
                   .handler = CmdAuth});
  table->Register(
      {.name = "hello",
       .arity = -1,
       .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
       .acl = kAclConnection,
       .group = "connection",
       .summary = "Handshakes with the Redis server.",
       .since = "6.0.0",
       .complexity = "O(1)",
       .history = {{"6.2.0",
                    "`protover` made optional; when called without arguments the command reports "
                    "the current connection's context."}},
       .args = {Block("arguments", {Int("protover"),
                                    Block("username_password", {Str("username"), Str("password")})
                                        .Token("AUTH")
                                        .Opt(),
                                    Str("clientname").Token("SETNAME").Opt()})
                    .Opt()},
       .handler = CmdHello});
  table->Register({.name = "reset",
                   .arity = 1,
                   .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
                   .behavior = kRunsInMulti,
                   .acl = kAclConnection,
                   .group = "connection",
                   .summary = "Resets the connection.",
                   .since = "6.2.0",
                   .complexity = "O(1)",
                   .handler = CmdReset});
  table->Register(
      {.name = "shutdown",
       .arity = -1,
       .flags = kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy,
       .group = "server",
       .summary = "Synchronously saves the database(s) to disk and shuts down the Redis server.",
       .since = "1.0.0",
       .complexity = "O(N) when saving, where N is the total number of keys in all databases when "
                     "saving data, otherwise O(1)",
       .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}},
       .args = {OneOf("nosave_save", {Tok("nosave", "NOSAVE"), Tok("save", "SAVE")}).Opt(),
                Tok("now", "NOW").Since("7.0.0").Opt(), Tok("force", "FORCE").Since("7.0.0").Opt(),
                Tok("abort", "ABORT").Since("7.0.0").Opt()},
       .handler = CmdShutdown});
  RegisterInfoCommand(table);
  RegisterCommandCommand(table);
  RegisterClientCommand(table);
  RegisterConfigCommand(table);
  RegisterMonitorCommand(table);
}

}  // namespace embedis::server_internal
