// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT LOAD/EXISTS/FLUSH/KILL/DEBUG/HELP, FCALL,
// FCALL_RO and FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/DUMP/RESTORE/KILL/HELP, with Redis 7's
// replies. The Lua engine (sandbox, redis.* API, conversions) is lib/scripting; this file parses
// arguments, runs scripts atomically and gives them the command table.
//
// - One engine per command table (CommandTable::scripts()), so one Lua VM and one script cache
//   per server, as redis-server has; the engine serializes its users with a mutex.
// - Atomicity: a script runs inside CommandContext::exclusive->Run and a
//   Keyspace::ExclusiveSection, the mechanism EXEC uses (transaction_family.cc): no other
//   client's command runs meanwhile, and no other thread's keyspace operation (the embedding
//   application, MemoryStore's methods, expiry, eviction). Its own commands see keys expire as of
//   its start (Redis 7's frozen time for scripts). Inside MULTI/EXEC the sections nest.
// - redis.call runs a command through the same table (ScriptRunner below), as a client of its own
//   that starts in the caller's database (a SELECT inside the script does not change the
//   caller's) and speaks the script's protocol (redis.setresp). Refusals come first, with Redis's
//   texts: unknown command, wrong arity, a command flagged noscript, a write from a read-only
//   script (EVAL_RO, EVALSHA_RO, #!lua flags=no-writes). A blocking command does not block (it
//   answers as if its timeout had passed).
// - Busy scripts (lib/scripting/busy_script.h): past busy-reply-threshold other clients get
//   -BUSY (CommandTable::Execute refuses every command not flagged allow-busy); SCRIPT KILL and
//   FUNCTION KILL stop a script that has not written (ScriptRunner marks the first write, and a
//   write after an accepted kill does not run); FUNCTION STATS shows the running function. The
//   server lets its other clients in from ScriptRunner::WhileBusy (Exclusive::WhileBusy).
// - FCALL/FCALL_RO run like EVAL (exclusive section, ScriptRunner); functions live in the same
//   engine, in a VM of their own. Over maxmemory, a function or #!lua script that may write and
//   lacks allow-oom is refused by the engine (ScriptEngine::Eval/FCall get over_maxmemory).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/propagation.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"
#include "lib/util/strings.h"

namespace embedis::commands {
namespace {

// redis.call's way into the command table, for one script run by `caller`.
class ScriptRunner : public scripting::CommandRunner {
 public:
  explicit ScriptRunner(CommandContext& caller)
      : caller_(caller), over_maxmemory_(caller.over_maxmemory) {
    client_.db = caller.client->db;
    client_.id = caller.client->id;
  }
  void set_allow_oom(bool allow) override { allow_oom_ = allow; }

  void Call(absl::Span<const std::string_view> argv, resp::Protocol protocol, bool read_only,
            std::string* out) override {
    resp::Writer writer(out, protocol);
    const CommandTable& table = *caller_.table;
    const Resolved r = table.Resolve(argv, table.Find(argv[0]));
    switch (r.error) {
      case Resolved::Error::kNone:
        break;
      case Resolved::Error::kUnknownCommand:
      case Resolved::Error::kUnknownSubcommand:
        return writer.Error("ERR Unknown Redis command called from script");
      case Resolved::Error::kWrongArity:
      case Resolved::Error::kSubcommandArity:
        return writer.Error("ERR Wrong number of args calling Redis command from script");
    }
    if ((r.flags() & kNoScript) != 0) {
      return writer.Error("ERR This Redis command is not allowed from script");
    }
    if (read_only && (r.flags() & kWrite) != 0) {
      return writer.Error("ERR Write commands are not allowed from read-only scripts.");
    }
    // maxmemory, as Redis 7's scriptCall: a script that started over the limit may not run a
    // command that grows memory until it has written something (it cannot stop halfway after).
    if (over_maxmemory_ && !allow_oom_ && !wrote_ && (r.flags() & kDenyOom) != 0) {
      return writer.Error(errors::kOom);
    }
    if ((r.flags() & kWrite) != 0) {
      // Redis's SCRIPT_WRITE_DIRTY: from now on SCRIPT KILL answers UNKILLABLE; a kill that came
      // first stops the script before this write (the engine raises the kill error).
      if (!caller_.table->scripts()->busy().BeginWrite()) {
        return writer.Error(scripting::kScriptKilledError);
      }
      wrote_ = true;
    }
    client_.protocol = protocol;
    CommandContext ctx{.keyspace = caller_.keyspace,
                       .client = &client_,
                       .reply = &writer,
                       .server = caller_.server,
                       .exclusive = nullptr,  // the script holds every other client off already
                       .table = &table,
                       .may_block = false,
                       .observer = caller_.observer,
                       .from_script = true};
    table.Execute(ctx, argv, r);
  }

  void WhileBusy() override {
    if (caller_.exclusive != nullptr) caller_.exclusive->WhileBusy();
  }

  bool IsCommand(absl::Span<const std::string_view> argv) override {
    const CommandTable& table = *caller_.table;
    const Resolved r = table.Resolve(argv, table.Find(argv[0]));
    return r.error != Resolved::Error::kUnknownCommand &&
           r.error != Resolved::Error::kUnknownSubcommand;
  }

 private:
  CommandContext& caller_;
  ClientState client_;
  const bool over_maxmemory_;  // when the script started (Redis's pre_command_oom_state)
  bool allow_oom_ = false;     // #!lua flags=allow-oom
  bool wrote_ = false;         // a write command ran (Redis's SCRIPT_WRITE_DIRTY)
};

// Splits EVAL's and FCALL's arguments after numkeys (argv[2]) into keys and args, or replies
// Redis's error and returns false. `bad_number`: FCALL's text for a numkeys that is no integer
// (EVAL answers ParseInteger's).
bool SplitKeys(CommandContext& ctx, Args argv, std::string_view bad_number, Args* keys,
               Args* args) {
  absl::StatusOr<int64_t> numkeys = ParseInteger(argv[2]);
  if (!numkeys.ok()) {
    if (bad_number.empty()) {
      ReplyStatus(ctx, numkeys.status());
    } else {
      ReplyError(ctx, bad_number);
    }
    return false;
  }
  const int64_t max_keys = static_cast<int64_t>(argv.size()) - 3;
  if (*numkeys > max_keys) {
    ReplyError(ctx, "ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (*numkeys < 0) {
    ReplyError(ctx, "ERR Number of keys can't be negative");
    return false;
  }
  *keys = argv.subspan(3, static_cast<size_t>(*numkeys));
  *args = argv.subspan(3 + static_cast<size_t>(*numkeys));
  return true;
}

// Runs a script or function: alone (inside CommandContext::exclusive), unless the caller holds
// everybody off already (EXEC), as one propagation unit (lib/commands/propagation.h).
void RunAlone(CommandContext& ctx, const std::function<void()>& run) {
  const size_t mark = ctx.reply->out()->size();
  // Every other client and thread held off; its writes reach the append-only file as one unit.
  RunPropagatedExclusive(
      ctx,
      [&] {
        run();
        // Stopped by SHUTDOWN NOSAVE: redis-server exits inside the script, so its client gets no
        // reply, only the connection closing.
        if (ctx.table->scripts()->busy().aborted()) ctx.reply->out()->resize(mark);
      },
      /*script=*/true);
}

void RunEval(CommandContext& ctx, Args argv, bool is_sha, bool read_only) {
  // As Redis: a SHA1 of the wrong length is refused before numkeys is looked at.
  if (is_sha && argv[1].size() != 40) {
    return ReplyError(ctx, "NOSCRIPT No matching script. Please use EVAL.");
  }
  scripting::EvalRequest req;
  if (!SplitKeys(ctx, argv, "", &req.keys, &req.args)) return;
  req.script = argv[1];
  req.is_sha = is_sha;
  req.read_only = read_only;
  req.over_maxmemory = ctx.over_maxmemory;
  req.command = argv;
  ScriptRunner runner(ctx);
  scripting::ScriptEngine* engine = ctx.table->scripts();
  RunAlone(ctx, [&] { engine->Eval(req, &runner, ctx.reply); });
}

void CmdEval(CommandContext& ctx, Args argv) { RunEval(ctx, argv, false, false); }
void CmdEvalSha(CommandContext& ctx, Args argv) { RunEval(ctx, argv, true, false); }
void CmdEvalRo(CommandContext& ctx, Args argv) { RunEval(ctx, argv, false, true); }
void CmdEvalShaRo(CommandContext& ctx, Args argv) { RunEval(ctx, argv, true, true); }

void CmdScriptLoad(CommandContext& ctx, Args argv) {
  absl::StatusOr<std::string> sha = ctx.table->scripts()->Load(argv[2]);
  if (!sha.ok()) return ReplyStatus(ctx, sha.status());
  ctx.reply->BulkString(*sha);
}

void CmdScriptExists(CommandContext& ctx, Args argv) {
  scripting::ScriptEngine* engine = ctx.table->scripts();
  ctx.reply->ArrayHeader(argv.size() - 2);
  for (size_t i = 2; i < argv.size(); ++i) ctx.reply->Integer(engine->Exists(argv[i]) ? 1 : 0);
}

void CmdScriptFlush(CommandContext& ctx, Args argv) {
  if (argv.size() > 3 || (argv.size() == 3 && !EqualsIgnoreCase(argv[2], "sync") &&
                          !EqualsIgnoreCase(argv[2], "async"))) {
    return ReplyError(ctx, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  ctx.table->scripts()->Flush();  // ASYNC too: the old VM is small enough to close at once
  ctx.reply->Ok();
}

// SCRIPT KILL (is_eval) and FUNCTION KILL, with Redis 7.0's order of refusals.
void Kill(CommandContext& ctx, bool is_eval) {
  using Result = scripting::BusyScript::KillResult;
  switch (ctx.table->scripts()->busy().Kill(is_eval)) {
    case Result::kKilled:
      return ctx.reply->Ok();
    case Result::kNotBusy:
      return ReplyError(ctx, scripting::kNotBusyError);
    case Result::kUnkillable:
      return ReplyError(ctx, scripting::kUnkillableError);
    case Result::kRunningEval:
      return ReplyError(ctx, scripting::kBusyEvalError);
    case Result::kRunningFunction:
      return ReplyError(ctx, scripting::kBusyFunctionError);
  }
}

void CmdScriptKill(CommandContext& ctx, Args) { Kill(ctx, /*is_eval=*/true); }

void CmdScriptDebug(CommandContext& ctx, Args argv) {
  if (EqualsIgnoreCase(argv[2], "no")) return ctx.reply->Ok();
  if (EqualsIgnoreCase(argv[2], "yes") || EqualsIgnoreCase(argv[2], "sync")) {
    return ReplyError(ctx, "ERR SCRIPT DEBUG (the Lua debugger) is not supported by embedis");
  }
  ReplyError(ctx, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

void CmdScriptHelp(CommandContext& ctx, Args) {
  static const char* const kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply->SimpleString(line);
}

// ---- FCALL, FCALL_RO, FUNCTION ----

void RunFCall(CommandContext& ctx, Args argv, bool read_only) {
  scripting::ScriptEngine* engine = ctx.table->scripts();
  // Redis's order: the function, then numkeys.
  if (!engine->FunctionFlags(argv[1]).has_value()) return ReplyError(ctx, "ERR Function not found");
  scripting::FCallRequest req;
  if (!SplitKeys(ctx, argv, "ERR Bad number of keys provided", &req.keys, &req.args)) return;
  req.name = argv[1];
  req.read_only = read_only;
  req.command = argv;
  req.over_maxmemory = ctx.over_maxmemory;
  ScriptRunner runner(ctx);
  RunAlone(ctx, [&] { engine->FCall(req, &runner, ctx.reply); });
}

void CmdFCall(CommandContext& ctx, Args argv) { RunFCall(ctx, argv, false); }
void CmdFCallRo(CommandContext& ctx, Args argv) { RunFCall(ctx, argv, true); }

// Redis 7.0 checks some subcommands' argument counts in their handlers, with this older text.
void ReplyFunctionSyntaxError(CommandContext& ctx, Args argv) {
  ReplyError(ctx, absl::StrCat("ERR unknown subcommand or wrong number of arguments for '",
                               ToAbsl(argv[1]), "'. Try FUNCTION HELP."));
}

void CmdFunctionLoad(CommandContext& ctx, Args argv) {
  bool replace = false;
  for (size_t i = 2; i + 1 < argv.size(); ++i) {
    if (!EqualsIgnoreCase(argv[i], "replace")) {
      return ReplyError(ctx, absl::StrCat("ERR Unknown option given: ", ToAbsl(argv[i])));
    }
    replace = true;
  }
  absl::StatusOr<std::string> name = ctx.table->scripts()->FunctionLoad(argv.back(), replace);
  if (!name.ok()) return ReplyStatus(ctx, name.status());
  ctx.reply->BulkString(*name);
}

void CmdFunctionDelete(CommandContext& ctx, Args argv) {
  absl::Status st = ctx.table->scripts()->FunctionDelete(argv[2]);
  if (!st.ok()) return ReplyStatus(ctx, st);
  ctx.reply->Ok();
}

void CmdFunctionFlush(CommandContext& ctx, Args argv) {
  if (argv.size() > 3) return ReplyFunctionSyntaxError(ctx, argv);
  if (argv.size() == 3 && !EqualsIgnoreCase(argv[2], "sync") &&
      !EqualsIgnoreCase(argv[2], "async")) {
    return ReplyError(ctx, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  ctx.table->scripts()->FunctionFlush();  // ASYNC too: closing the VM is quick
  ctx.reply->Ok();
}

void CmdFunctionList(CommandContext& ctx, Args argv) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (!with_code && EqualsIgnoreCase(argv[i], "withcode")) {
      with_code = true;
      continue;
    }
    if (!pattern.has_value() && EqualsIgnoreCase(argv[i], "libraryname")) {
      if (i + 1 >= argv.size()) return ReplyError(ctx, "ERR library name argument was not given");
      pattern = argv[++i];
      continue;
    }
    return ReplyError(ctx, absl::StrCat("ERR Unknown argument ", ToAbsl(argv[i])));
  }
  std::vector<scripting::LibraryInfo> libraries = ctx.table->scripts()->FunctionList();
  if (pattern.has_value()) {
    std::erase_if(libraries, [&](const scripting::LibraryInfo& lib) {
      return !GlobMatch(*pattern, lib.name, /*nocase=*/true);
    });
  }
  resp::Writer& w = *ctx.reply;
  w.ArrayHeader(libraries.size());
  for (const scripting::LibraryInfo& lib : libraries) {
    w.MapHeader(with_code ? 4 : 3);
    w.BulkString("library_name");
    w.BulkString(lib.name);
    w.BulkString("engine");
    w.BulkString(lib.engine);
    w.BulkString("functions");
    w.ArrayHeader(lib.functions.size());
    for (const scripting::FunctionInfo& f : lib.functions) {
      w.MapHeader(3);
      w.BulkString("name");
      w.BulkString(f.name);
      w.BulkString("description");
      if (f.description.has_value()) {
        w.BulkString(*f.description);
      } else {
        w.Null();
      }
      w.BulkString("flags");
      w.SetHeader(f.flags.size());
      for (const std::string& flag : f.flags) w.SimpleString(flag);
    }
    if (with_code) {
      w.BulkString("library_code");
      w.BulkString(lib.code);
    }
  }
}

void CmdFunctionStats(CommandContext& ctx, Args) {
  // Allowed while a script is busy: never waits for the engine's mutex.
  const std::optional<scripting::RunningScript> running = ctx.table->scripts()->busy().Running();
  if (running.has_value() && running->is_eval) {
    return ReplyError(ctx, scripting::kBusyEvalError);  // as Redis, during an EVAL
  }
  const scripting::FunctionStats stats = ctx.table->scripts()->GetFunctionStats();
  resp::Writer& w = *ctx.reply;
  w.MapHeader(2);
  w.BulkString("running_script");
  if (running.has_value()) {
    w.MapHeader(3);
    w.BulkString("name");
    w.BulkString(running->name);
    w.BulkString("command");
    w.ArrayHeader(running->command.size());
    for (const std::string& arg : running->command) w.BulkString(arg);
    w.BulkString("duration_ms");
    w.Integer(running->duration_ms);
  } else {
    w.Null();
  }
  w.BulkString("engines");
  w.MapHeader(1);
  w.BulkString("LUA");
  w.MapHeader(2);
  w.BulkString("libraries_count");
  w.Integer(static_cast<int64_t>(stats.libraries));
  w.BulkString("functions_count");
  w.Integer(static_cast<int64_t>(stats.functions));
}

void CmdFunctionDump(CommandContext& ctx, Args) {
  ctx.reply->BulkString(ctx.table->scripts()->FunctionDump());
}

void CmdFunctionRestore(CommandContext& ctx, Args argv) {
  if (argv.size() > 4) return ReplyFunctionSyntaxError(ctx, argv);
  scripting::RestorePolicy policy = scripting::RestorePolicy::kAppend;
  if (argv.size() == 4) {
    if (EqualsIgnoreCase(argv[3], "append")) {
      policy = scripting::RestorePolicy::kAppend;
    } else if (EqualsIgnoreCase(argv[3], "replace")) {
      policy = scripting::RestorePolicy::kReplace;
    } else if (EqualsIgnoreCase(argv[3], "flush")) {
      policy = scripting::RestorePolicy::kFlush;
    } else {
      return ReplyError(
          ctx, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  absl::Status st = ctx.table->scripts()->FunctionRestore(argv[2], policy);
  if (!st.ok()) return ReplyStatus(ctx, st);
  ctx.reply->Ok();
}

void CmdFunctionKill(CommandContext& ctx, Args) { Kill(ctx, /*is_eval=*/false); }

void CmdFunctionHelp(CommandContext& ctx, Args) {
  static const char* const kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using "
      "FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a "
      "chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply->SimpleString(line);
}

void RegisterFunctions(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  constexpr uint32_t kFCallFlags = kNoScript | kStale | kSkipMonitor | kNoMandatoryKeys;
  const auto fcall_args = std::vector<ArgDoc>{Str("function"), Int("numkeys"),
                                              Key("key").Opt().Multi(), Str("arg").Opt().Multi()};
  table->Register(
      {.name = "fcall",
       .arity = -3,
       .flags = kFCallFlags,
       .behavior = kMayWrite,
       .acl = kAclScripting,
       .key_specs = {KeyNum(2, RW | ACCESS | UPDATE)
                         .Notes("We cannot tell how the keys will be used so we assume the worst, "
                                "RW and UPDATE")},
       .group = "scripting",
       .summary = "Invoke a function",
       .since = "7.0.0",
       .complexity = "Depends on the function that is executed.",
       .args = fcall_args,
       .handler = CmdFCall});
  table->Register(
      {.name = "fcall_ro",
       .arity = -3,
       .flags = kReadOnly | kFCallFlags,
       .acl = kAclScripting,
       .key_specs = {KeyNum(2, RO | ACCESS)
                         .Notes("We cannot tell how the keys will be used so we assume the worst, "
                                "RO and ACCESS")},
       .group = "scripting",
       .summary = "Invoke a read-only function",
       .since = "7.0.0",
       .complexity = "Depends on the function that is executed.",
       .args = fcall_args,
       .handler = CmdFCallRo});
  const std::vector<std::string_view> kAllShardsAllSucceeded = {"request_policy:all_shards",
                                                                "response_policy:all_succeeded"};
  table->Register(
      {.name = "function",
       .arity = -2,
       .group = "scripting",
       .summary = "A container for function commands",
       .since = "7.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "delete",
            .arity = 3,
            .flags = kWrite | kNoScript,
            .acl = kAclScripting,
            .tips = kAllShardsAllSucceeded,
            .summary = "Delete a function by name",
            .since = "7.0.0",
            .complexity = "O(1)",
            .args = {Str("library-name")},
            .handler = CmdFunctionDelete},
           {.name = "dump",
            .arity = 2,
            .flags = kNoScript,
            .acl = kAclScripting,
            .summary = "Dump all functions into a serialized binary payload",
            .since = "7.0.0",
            .complexity = "O(N) where N is the number of functions",
            .handler = CmdFunctionDump},
           {.name = "flush",
            .arity = -2,
            .flags = kWrite | kNoScript,
            .acl = kAclScripting,
            .tips = kAllShardsAllSucceeded,
            .summary = "Deleting all functions",
            .since = "7.0.0",
            .complexity = "O(N) where N is the number of functions deleted",
            .args = {OneOf("async", {Tok("async", "ASYNC"), Tok("sync", "SYNC")}).Opt()},
            .handler = CmdFunctionFlush},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .acl = kAclScripting,
            .summary = "Show helpful text about the different subcommands",
            .since = "7.0.0",
            .complexity = "O(1)",
            .handler = CmdFunctionHelp},
           {.name = "kill",
            .arity = 2,
            .flags = kNoScript | kAllowBusy,
            .acl = kAclScripting,
            .tips = {"request_policy:all_shards", "response_policy:one_succeeded"},
            .summary = "Kill the function currently in execution.",
            .since = "7.0.0",
            .complexity = "O(1)",
            .handler = CmdFunctionKill},
           {.name = "list",
            .arity = -2,
            .flags = kNoScript,
            .acl = kAclScripting,
            .tips = {"nondeterministic_output_order"},
            .summary = "List information about all the functions",
            .since = "7.0.0",
            .complexity = "O(N) where N is the number of functions",
            .args = {Str("library-name-pattern").Token("LIBRARYNAME").Opt(),
                     Tok("withcode", "WITHCODE").Opt()},
            .handler = CmdFunctionList},
           {.name = "load",
            .arity = -3,
            .flags = kWrite | kDenyOom | kNoScript,
            .acl = kAclScripting,
            .tips = kAllShardsAllSucceeded,
            .summary = "Create a function with the given arguments (name, code, description)",
            .since = "7.0.0",
            .complexity = "O(1) (considering compilation time is redundant)",
            .args = {Tok("replace", "REPLACE").Opt(), Str("function-code")},
            .handler = CmdFunctionLoad},
           {.name = "restore",
            .arity = -3,
            .flags = kWrite | kDenyOom | kNoScript,
            .acl = kAclScripting,
            .tips = kAllShardsAllSucceeded,
            .summary = "Restore all the functions on the given payload",
            .since = "7.0.0",
            .complexity = "O(N) where N is the number of functions on the payload",
            .args = {Str("serialized-value"),
                     OneOf("policy", {Tok("flush", "FLUSH"), Tok("append", "APPEND"),
                                      Tok("replace", "REPLACE")})
                         .Opt()},
            .handler = CmdFunctionRestore},
           {.name = "stats",
            .arity = 2,
            .flags = kNoScript | kAllowBusy,
            .acl = kAclScripting,
            .tips = {"nondeterministic_output", "request_policy:all_shards",
                     "response_policy:special"},
            .summary = "Return information about the function currently running (name, "
                       "description, duration)",
            .since = "7.0.0",
            .complexity = "O(1)",
            .handler = CmdFunctionStats},
       }});
}

}  // namespace

void RegisterScriptingFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->set_scripts(std::make_shared<scripting::ScriptEngine>());
  constexpr uint32_t kEvalFlags = kNoScript | kStale | kSkipMonitor | kNoMandatoryKeys;
  auto eval_args = [](std::string_view first) {
    return std::vector<ArgDoc>{Str(first), Int("numkeys"), Key("key").Opt().Multi(),
                               Str("arg").Opt().Multi()};
  };
  auto eval_keys = [](bool read_only) {
    KeySpec ks = KeyNum(2, read_only ? RO | ACCESS : RW | ACCESS | UPDATE);
    return ks;
  };
  const std::string_view kRwNote =
      "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
  const std::string_view kRoNote =
      "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";
  table->Register({.name = "eval",
                   .arity = -3,
                   .flags = kEvalFlags,
                   .behavior = kMayWrite,
                   .acl = kAclScripting,
                   .key_specs = {eval_keys(false).Notes(kRwNote)},
                   .group = "scripting",
                   .summary = "Execute a Lua script server side",
                   .since = "2.6.0",
                   .complexity = "Depends on the script that is executed.",
                   .args = eval_args("script"),
                   .handler = CmdEval});
  table->Register({.name = "evalsha",
                   .arity = -3,
                   .flags = kEvalFlags,
                   .behavior = kMayWrite,
                   .acl = kAclScripting,
                   .key_specs = {eval_keys(false)},
                   .group = "scripting",
                   .summary = "Execute a Lua script server side",
                   .since = "2.6.0",
                   .complexity = "Depends on the script that is executed.",
                   .args = eval_args("sha1"),
                   .handler = CmdEvalSha});
  table->Register({.name = "eval_ro",
                   .arity = -3,
                   .flags = kReadOnly | kEvalFlags,
                   .acl = kAclScripting,
                   .key_specs = {eval_keys(true).Notes(kRoNote)},
                   .group = "scripting",
                   .summary = "Execute a read-only Lua script server side",
                   .since = "7.0.0",
                   .complexity = "Depends on the script that is executed.",
                   .args = eval_args("script"),
                   .handler = CmdEvalRo});
  table->Register({.name = "evalsha_ro",
                   .arity = -3,
                   .flags = kReadOnly | kEvalFlags,
                   .acl = kAclScripting,
                   .key_specs = {eval_keys(true)},
                   .group = "scripting",
                   .summary = "Execute a read-only Lua script server side",
                   .since = "7.0.0",
                   .complexity = "Depends on the script that is executed.",
                   .args = eval_args("sha1"),
                   .handler = CmdEvalShaRo});
  table->Register(
      {.name = "script",
       .arity = -2,
       .group = "scripting",
       .summary = "A container for Lua scripts management commands",
       .since = "2.6.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "debug",
            .arity = 3,
            .flags = kNoScript,
            .acl = kAclScripting,
            .summary = "Set the debug mode for executed scripts.",
            .since = "3.2.0",
            .complexity = "O(1)",
            .args = {OneOf("mode", {Tok("yes", "YES"), Tok("sync", "SYNC"), Tok("no", "NO")})},
            .handler = CmdScriptDebug},
           {.name = "exists",
            .arity = -3,
            .flags = kNoScript,
            .acl = kAclScripting,
            .tips = {"request_policy:all_shards", "response_policy:agg_logical_and"},
            .summary = "Check existence of scripts in the script cache.",
            .since = "2.6.0",
            .complexity = "O(N) with N being the number of scripts to check (so checking a "
                          "single script is an O(1) operation).",
            .args = {Str("sha1").Multi()},
            .handler = CmdScriptExists},
           {.name = "flush",
            .arity = -2,
            .flags = kNoScript,
            .acl = kAclScripting,
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"},
            .summary = "Remove all the scripts from the script cache.",
            .since = "2.6.0",
            .complexity = "O(N) with N being the number of scripts in cache",
            .history = {{"6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."}},
            .args =
                {OneOf("async", {Tok("async", "ASYNC"), Tok("sync", "SYNC")}).Since("6.2.0").Opt()},
            .handler = CmdScriptFlush},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .acl = kAclScripting,
            .summary = "Show helpful text about the different subcommands",
            .since = "5.0.0",
            .complexity = "O(1)",
            .handler = CmdScriptHelp},
           {.name = "kill",
            .arity = 2,
            .flags = kNoScript | kAllowBusy,
            .acl = kAclScripting,
            .tips = {"request_policy:all_shards", "response_policy:one_succeeded"},
            .summary = "Kill the script currently in execution.",
            .since = "2.6.0",
            .complexity = "O(1)",
            .handler = CmdScriptKill},
           {.name = "load",
            .arity = 3,
            .flags = kNoScript | kStale,
            .acl = kAclScripting,
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"},
            .summary = "Load the specified Lua script into the script cache.",
            .since = "2.6.0",
            .complexity = "O(N) with N being the length in bytes of the script body.",
            .args = {Str("script")},
            .handler = CmdScriptLoad},
       }});
  RegisterFunctions(table);
}

}  // namespace embedis::commands
