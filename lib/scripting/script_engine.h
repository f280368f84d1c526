// ScriptEngine: the Lua 5.1 engine behind EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, and
// behind Redis 7 Functions (FUNCTION, FCALL, FCALL_RO), with Redis 7's sandbox, redis.* API and
// reply conversions.
//
// Thread safety: every method may be called from any thread. One Lua VM serves the whole engine
// (as redis-server has one); a mutex serializes its users, so a script runs alone in the engine.
// Atomicity with respect to other clients' plain commands is the caller's business
// (scripting_family.cc runs Eval inside CommandContext::exclusive, as EXEC does).
//
//   ScriptEngine engine;
//   MyRunner runner;  // runs redis.call's commands through the command table
//   std::string out;
//   resp::Writer w(&out);
//   engine.Eval({.script = "return redis.call('GET', KEYS[1])", .keys = {"k"}}, &runner, &w);
//
// Design (Redis 7.0.15 is the specification; every text is checked against it in
// tests/scripting/scripting_differential_test.cc):
// - Libraries: base (less dofile, loadfile, print, getfenv, setfenv, newproxy), table, string,
//   math (random/randomseed replaced by Redis's 48-bit generator, whose state is kept across
//   scripts and starts where redis-server's starts, so the same sequence comes out), cjson, bit,
//   and cmsgpack and struct (embedis's own, lua_libs.h: no Debian package for Lua 5.1).
//   No os, io, debug, package/require.
// - Read-only globals: redis-server patches its Lua to mark tables read-only. Debian's stock Lua
//   cannot, so the same effect is built from proxies: the thread's globals table is an empty
//   table whose metatable reads from the real globals (a missing name raises "Script attempted
//   to access nonexistent global variable 'x'") and refuses writes ("Attempt to modify a readonly
//   table"); every library table is such a proxy too, and rawset refuses them. next, pairs,
//   rawget (and cmsgpack.pack) look through a proxy to the table it guards (lua_libs.h), so
//   pairs(_G), pairs(redis), next(string) list what redis-server lists. Differences left: the
//   order of that listing (the tables were filled in another order), and tables keyed by strings
//   of 32 bytes or more iterate in another order than in redis-server (its Lua hashes every byte
//   of a long string, Debian's a sample), which shows in pairs(), cjson.encode and
//   cmsgpack.pack of such tables.
// - Errors: a script runs under an error handler that turns any error into a table {err=...,
//   source=..., line=...}, so the reply is "-<err> script: <sha>, on <source>:<line>." as Redis
//   7 writes it. redis.call raises a failing command's error table; redis.pcall returns it.
// - Functions run in a second VM, built like the first (same libraries, redis.* API, sandbox and
//   conversions, one mutex for both), as redis-server keeps them apart from EVAL's. While a
//   library loads, its globals are only {redis = register_function, log, LOG_*, REDIS_VERSION*}
//   (anything else raises "Script attempted to access nonexistent global variable"), and a load
//   running past 500 ms is stopped; afterwards its functions see the full globals, without
//   KEYS/ARGV: they get (keys, args). Errors name the function ("script: <name>, on
//   @user_function:<line>."). Libraries are kept by name (case-sensitive), functions by name
//   ignoring case, as in Redis. DUMP/RESTORE use Redis's payload format.
// - Busy scripts (busy_script.h): a count hook (and each redis.call) checks the running time
//   against busy-reply-threshold; past it the script is busy, CommandRunner::WhileBusy lets the
//   caller serve other clients, and SCRIPT KILL / FUNCTION KILL's flag raises "Script killed by
//   user with SCRIPT KILL..." (at every line from then on, so pcall cannot swallow it).
// - Conversions Lua <-> RESP follow Redis 7: numbers truncated to integers, false as nil,
//   {ok=}/{err=} tables, and after redis.setresp(3) maps, sets, doubles, booleans, big numbers and
//   verbatim strings.
#ifndef EMBEDIS_LIB_SCRIPTING_SCRIPT_ENGINE_H_
#define EMBEDIS_LIB_SCRIPTING_SCRIPT_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/scripting/busy_script.h"

namespace embedis::scripting {

// How redis.call and redis.pcall run a command: implemented by the command layer.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv (argv[0] the command) and appends its reply to `*out`, as RESP in `protocol` (the
  // engine converts those bytes to Lua values directly, as Redis's redisProtocolToLuaType). A
  // command the script may not run replies an error with Redis's text ("ERR Unknown Redis
  // command called from script"). `read_only`: the script may not write (EVAL_RO, or
  // flags=no-writes). `out` is empty on entry.
  virtual void Call(absl::Span<const std::string_view> argv, resp::Protocol protocol,
                    bool read_only, std::string* out) = 0;
  // Whether `name` is a command (redis.acl_check_cmd).
  virtual bool IsCommand(absl::Span<const std::string_view> argv) = 0;
  // The script declared `#!lua flags=allow-oom`: its commands may grow memory over maxmemory.
  virtual void set_allow_oom(bool allow) {}
  // Called on the script's thread, from the Lua hook, while the script is busy (past
  // busy-reply-threshold): the caller lets other clients in (embedis-server serves the script's
  // own I/O loop there; see README "Busy scripts").
  virtual void WhileBusy() {}
};

struct EvalRequest {
  std::string_view script;  // the body (EVAL) or a SHA1 (EVALSHA)
  bool is_sha = false;
  bool read_only = false;  // EVAL_RO, EVALSHA_RO
  // The keyspace is over maxmemory (nothing left to evict): a script with a shebang that may
  // write and does not declare allow-oom is refused with OOM, as Redis 7 (before the *_RO check;
  // a script without shebang runs, and its first command that may grow memory before any write
  // fails instead).
  bool over_maxmemory = false;
  absl::Span<const std::string_view> keys;
  absl::Span<const std::string_view> args;
  absl::Span<const std::string_view> command;  // the whole command (FUNCTION STATS)
};

// FCALL and FCALL_RO.
struct FCallRequest {
  std::string_view name;   // the function (any case)
  bool read_only = false;  // FCALL_RO: refused for a function without the no-writes flag
  // The keyspace is over maxmemory: a function without no-writes or allow-oom is refused with
  // OOM (before the FCALL_RO check, as Redis 7).
  bool over_maxmemory = false;
  absl::Span<const std::string_view> keys;
  absl::Span<const std::string_view> args;
  absl::Span<const std::string_view> command;  // the whole command (FUNCTION STATS)
};

// FUNCTION LIST.
struct FunctionInfo {
  std::string name;
  std::optional<std::string> description;
  std::vector<std::string> flags;  // "no-writes", ... in Redis's order
};
struct LibraryInfo {
  std::string name;
  std::string engine = "LUA";
  std::vector<FunctionInfo> functions;  // in registration order
  std::string code;                     // as loaded, shebang included
};

// FUNCTION STATS and INFO.
struct FunctionStats {
  size_t libraries = 0;
  size_t functions = 0;
  size_t code_bytes = 0;  // the libraries' code
  size_t lua_bytes = 0;   // the functions VM's heap
};

// FUNCTION RESTORE's policy for libraries that exist already.
enum class RestorePolicy { kAppend, kReplace, kFlush };

// What INFO reports about scripts.
struct ScriptStats {
  size_t scripts = 0;       // number_of_cached_scripts
  size_t script_bytes = 0;  // used_memory_scripts_eval: the cached bodies
  size_t lua_bytes = 0;     // used_memory_lua: the VM's heap
};

// CRC-64/Jones as Redis computes it (FUNCTION DUMP payloads and RDB files end with it).
uint64_t RedisCrc64(std::string_view data);

class ScriptEngine {
 public:
  ScriptEngine();
  ~ScriptEngine();
  ScriptEngine(const ScriptEngine&) = delete;
  ScriptEngine& operator=(const ScriptEngine&) = delete;

  // The lowercase hex SHA1 of `data`.
  static std::string Sha1Hex(std::string_view data);

  // SCRIPT LOAD: compiles and caches `body`; returns its SHA1, or an error whose message is
  // Redis's reply text ("ERR Error compiling script (new function): ...").
  absl::StatusOr<std::string> Load(std::string_view body);
  // SCRIPT EXISTS for one SHA1 (any case).
  bool Exists(std::string_view sha);
  // SCRIPT FLUSH: forgets every script and starts a fresh VM.
  void Flush();
  ScriptStats Stats();

  // EVAL and its kin: runs the script and writes exactly one reply to `reply`, whose protocol is
  // the caller's. Commands the script calls go through `runner`.
  void Eval(const EvalRequest& request, CommandRunner* runner, resp::Writer* reply);

  // ---- Functions (Redis 7): libraries in a VM of their own ----

  // FUNCTION LOAD [REPLACE]: loads a library ("#!lua name=<lib>" then code calling
  // redis.register_function); returns its name, or an error whose message is Redis's reply.
  absl::StatusOr<std::string> FunctionLoad(std::string_view code, bool replace);
  // FUNCTION DELETE: "ERR Library not found" if there is none by that name.
  absl::Status FunctionDelete(std::string_view library);
  // FUNCTION FLUSH: every library goes, and the functions VM starts afresh.
  void FunctionFlush();
  // FUNCTION LIST: every library, ordered by name.
  std::vector<LibraryInfo> FunctionList();
  // The flags of a function (any case), or nullopt if there is no such function.
  std::optional<uint32_t> FunctionFlags(std::string_view name);
  // FUNCTION DUMP: Redis's payload format (one RDB function record per library, RDB version 10,
  // CRC64), so payloads move between redis-server and embedis both ways.
  std::string FunctionDump();
  // FUNCTION RESTORE: validates the payload ("ERR DUMP payload version or checksum are wrong"),
  // then loads its libraries; all or nothing.
  absl::Status FunctionRestore(std::string_view payload, RestorePolicy policy);
  FunctionStats GetFunctionStats();
  // FCALL and FCALL_RO: runs the function with (keys, args) and writes exactly one reply.
  void FCall(const FCallRequest& request, CommandRunner* runner, resp::Writer* reply);

  // The script running now: busy-reply-threshold, -BUSY, SCRIPT KILL, FUNCTION KILL, FUNCTION
  // STATS (busy_script.h). Eval and FCall of another caller that find a busy script reply its
  // -BUSY error instead of waiting for it.
  BusyScript& busy();

  // The engine's internals (script_engine.cc).
  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace embedis::scripting

#endif  // EMBEDIS_LIB_SCRIPTING_SCRIPT_ENGINE_H_
