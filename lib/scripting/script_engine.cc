// The Lua engine (script_engine.h has the design).
//
// Lua errors are longjmps (Debian's liblua5.1 is C): a C function that raises does its C++ work
// in a helper whose objects are gone before lua_error runs (the *Impl functions return -1 after
// pushing the error value), so no destructor is skipped.
#include "lib/scripting/script_engine.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <lua5.1/lua.hpp>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/scripting/lua_convert.h"
#include "lib/scripting/lua_libs.h"
#include "lib/util/mutex.h"
#include "lib/util/strings.h"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace embedis::scripting {
namespace {

constexpr char kRedisVersion[] = "7.2.4";
constexpr int kRedisVersionNum = 0x070204;
constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";

// Registry keys (addresses of these are unique light userdata).
char kStateKey;
char kGlobalsKey;  // the real globals table
char kHandlerKey;  // the error handler
char kLoadEnvKey;  // functions VM: what a library sees while it loads ({redis=...})

// Script flags from a shebang line (#!lua flags=...).
enum ScriptFlag : uint32_t {
  kFlagShebang = 1u << 0,  // has a shebang: not in EVAL compatibility mode
  kFlagNoWrites = 1u << 1,
  kFlagAllowOom = 1u << 2,
  kFlagAllowStale = 1u << 3,
  kFlagNoCluster = 1u << 4,
  kFlagAllowCrossSlot = 1u << 5,
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}

// What Redis 7 refuses to start, given a script's flags (a shebang script or a function): over
// maxmemory one that may write without allow-oom, then from a *_RO command one that may write.
// no-cluster and allow-cross-slot-keys only matter in cluster mode, allow-stale on a replica:
// embedis-server is neither, so they change nothing. Empty when it may run.
std::string_view FlagRefusal(uint32_t flags, bool read_only, bool over_maxmemory) {
  if (over_maxmemory && (flags & (kFlagNoWrites | kFlagAllowOom)) == 0) {
    return "OOM command not allowed when used memory > 'maxmemory'.";
  }
  if (read_only && (flags & kFlagNoWrites) == 0) {
    return "ERR Can not execute a script with write flag using *_ro command.";
  }
  return {};
}

}  // namespace

// Redis's LUA_GC_CYCLE_PERIOD: a garbage-collection step every this many scripts.
constexpr int kGcCyclePeriod = 50;
// redis.call's reply buffer is kept from call to call up to this capacity.
constexpr size_t kMaxKeptReplyBytes = 64 * 1024;

struct ScriptEngine::State {
  struct Script {
    std::string body;
    uint32_t flags = 0;
  };

  Mutex mu;
  lua_State* L ABSL_GUARDED_BY(mu) = nullptr;
  absl::flat_hash_map<std::string, Script> scripts ABSL_GUARDED_BY(mu);
  size_t script_bytes ABSL_GUARDED_BY(mu) = 0;
  // Redis's 48-bit generator (rand48); starts where redis-server's does and survives FLUSH.
  uint64_t rand48 = 0x1234ABCD330EULL;

  // What Stats() reports, refreshed after each change: read without mu, so that INFO works from
  // inside a script too.
  std::atomic<size_t> stat_scripts{0}, stat_script_bytes{0}, stat_lua_bytes{0};
  void UpdateStats() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (FL != nullptr) {
      stat_function_lua_bytes = static_cast<size_t>(lua_gc(FL, LUA_GCCOUNT, 0)) * 1024 +
                                static_cast<size_t>(lua_gc(FL, LUA_GCCOUNTB, 0));
    }
    stat_scripts = scripts.size();
    stat_script_bytes = script_bytes;
    stat_lua_bytes = static_cast<size_t>(lua_gc(L, LUA_GCCOUNT, 0)) * 1024 +
                     static_cast<size_t>(lua_gc(L, LUA_GCCOUNTB, 0));
  }

  // Scripts and functions run since the last garbage-collection step (RunAndReply).
  int gc_count = 0;

  // The script running now (set by Eval, under mu).
  CommandRunner* runner = nullptr;
  std::string call_reply;  // redis.call's reply bytes (RedisCallImpl), kept for the next call
  BusyScript busy;         // busy-reply-threshold, SCRIPT KILL, FUNCTION STATS (busy_script.h)
  bool read_only = false;
  int resp = 2;

  // ---- functions (FUNCTION LOAD, FCALL): a VM of their own, as in Redis 7 ----
  struct Function {
    std::string name;
    std::optional<std::string> description;
    uint32_t flags = 0;
    int ref = LUA_NOREF;  // the callback, in the functions VM's registry
  };
  struct Library {
    std::string name;
    std::string code;  // with its shebang line
    std::vector<Function> functions;
  };
  lua_State* FL ABSL_GUARDED_BY(mu) = nullptr;
  std::map<std::string, Library> libraries ABSL_GUARDED_BY(mu);
  // Lowercased function name -> the function (functions are found case-insensitively).
  absl::flat_hash_map<std::string, const Function*> functions ABSL_GUARDED_BY(mu);
  // The library being loaded (redis.register_function adds to it), and when its load must end.
  Library* loading = nullptr;
  std::chrono::steady_clock::time_point load_deadline;
  std::atomic<size_t> stat_functions{0}, stat_libraries{0}, stat_function_bytes{0},
      stat_function_lua_bytes{0};

  void InitVm();
  void InitFunctionVm();
  void ReindexFunctions() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  absl::StatusOr<std::string> LoadLibrary(std::string_view code, bool replace)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  void DropLibrary(std::map<std::string, Library>::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

// Runs the function below the top `nargs` values of L's stack under the error handler, with
// redis.call going to `runner`, and writes its reply (or its error, naming `error_name`).
static void RunAndReply(ScriptEngine::State& s, lua_State* L, int nargs,
                        std::string_view error_name, std::string_view running_name,
                        CommandRunner* runner, resp::Writer* reply);

namespace {

ScriptEngine::State* GetState(lua_State* L) {
  lua_pushlightuserdata(L, &kStateKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* s = static_cast<ScriptEngine::State*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return s;
}

// Pushes {err="ERR <msg>"}: an error of the redis.* API.
void PushApiError(lua_State* L, std::string_view msg) {
  PushErrorTable(L, absl::StrCat("ERR ", ToAbsl(msg)));
}

// ---- redis.* ----

// The count hook of a running script (Redis's luaMaskCountHook), also run before each redis.call
// (a script that mostly calls commands runs few Lua instructions): past busy-reply-threshold the
// caller lets other clients in; a script killed by SCRIPT KILL raises its error, and from then on
// the hook runs at every line, so that pcall cannot swallow the kill.
void BusyHook(lua_State* L, lua_Debug*) {
  ScriptEngine::State* s = GetState(L);
  BusyScript::HookAction action = s->busy.OnHook();
  if (action == BusyScript::HookAction::kBusy) {
    if (s->runner != nullptr) s->runner->WhileBusy();
    action = s->busy.OnHook();
  }
  if (action != BusyScript::HookAction::kKill) return;
  lua_sethook(L, BusyHook, LUA_MASKLINE, 0);
  PushErrorTable(L, kScriptKilledError);
  lua_error(L);
}

// redis.call / redis.pcall. Returns the number of results, or -1 with an error value pushed
// (to be raised).
int RedisCallImpl(lua_State* L, bool raise) {
  ScriptEngine::State* s = GetState(L);
  // Busy and kill checks (may raise: no C++ object may be alive here, Lua errors are longjmps).
  if (s->runner != nullptr && s->busy.threshold_ms() > 0) BusyHook(L, nullptr);
  const int argc = lua_gettop(L);
  std::string_view refusal;
  if (argc == 0) {
    refusal = "Please specify at least one argument for this redis lib call";
  } else if (s->runner == nullptr) {
    refusal = "redis.call called outside of a script";
  }
  // The arguments are views of the Lua strings on the stack (alive for the whole call); only
  // numbers are formatted, into `numbers` (reserved first, so that its views stay valid).
  absl::InlinedVector<std::string_view, 8> argv;
  absl::InlinedVector<std::string, 2> numbers;
  if (refusal.empty()) {
    argv.reserve(argc);
    int n = 0;
    for (int i = 1; i <= argc; ++i) n += lua_type(L, i) == LUA_TNUMBER ? 1 : 0;
    numbers.reserve(n);
    for (int i = 1; i <= argc; ++i) {
      const int t = lua_type(L, i);
      if (t == LUA_TNUMBER) {
        numbers.push_back(FormatNumber(lua_tonumber(L, i)));
        argv.push_back(numbers.back());
      } else if (t == LUA_TSTRING) {
        argv.push_back(ToView(L, i));
      } else {
        refusal = "Lua redis lib command arguments must be strings or integers";
        break;
      }
    }
  }
  if (!refusal.empty()) {
    PushApiError(L, refusal);
    return raise ? -1 : 1;
  }
  // The reply buffer is the engine's, reused from call to call (a nested script cannot run).
  std::string& out = s->call_reply;
  out.clear();
  s->runner->Call(absl::MakeConstSpan(argv),
                  s->resp == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2, s->read_only,
                  &out);
  if (s->busy.killed()) {  // SCRIPT KILL came first: the command did not write (busy_script.h)
    PushErrorTable(L, kScriptKilledError);
    return -1;
  }
  const bool is_error = PushReply(L, out);
  if (out.capacity() > kMaxKeptReplyBytes) std::string().swap(out);
  return raise && is_error ? -1 : 1;
}

int LuaRedisCall(lua_State* L) {
  const int r = RedisCallImpl(L, true);
  return r < 0 ? lua_error(L) : r;
}
int LuaRedisPcall(lua_State* L) {
  const int r = RedisCallImpl(L, false);
  return r < 0 ? lua_error(L) : r;
}

// Raises {err="ERR <msg>"}.
int RaiseApiError(lua_State* L, const char* msg) {
  lua_newtable(L);
  lua_pushstring(L, "ERR ");
  lua_pushstring(L, msg);
  lua_concat(L, 2);
  lua_setfield(L, -2, "err");
  return lua_error(L);
}

int Sha1HexImpl(lua_State* L) {
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  const std::string hex = ScriptEngine::Sha1Hex(std::string_view(s == nullptr ? "" : s, len));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}
int LuaSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseApiError(L, "wrong number of arguments");
  return Sha1HexImpl(L);
}

// redis.error_reply's message rules: "-CODE msg" keeps its code, anything else gets ERR; a
// trailing CR/LF is trimmed.
int ErrorReplyImpl(lua_State* L) {
  std::string_view msg = ToView(L, 1);
  std::string text;
  if (!msg.empty() && msg[0] == '-') {
    const size_t space = msg.find(' ');
    text = space == std::string_view::npos
               ? absl::StrCat("ERR ", ToAbsl(msg.substr(1)))
               : absl::StrCat(ToAbsl(msg.substr(1, space - 1)), " ", ToAbsl(msg.substr(space + 1)));
  } else {
    text = absl::StrCat("ERR ", ToAbsl(msg));
  }
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.pop_back();
  PushErrorTable(L, text);
  return 1;
}
int LuaErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "ERR wrong number or type of arguments");
    return 1;
  }
  return ErrorReplyImpl(L);
}

int LuaStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "ERR wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

int LuaLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseApiError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseApiError(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseApiError(L, "Invalid debug level.");
  // Redis's default verbosity (notice) drops debug and verbose lines.
  if (level < 2) return 0;
  std::fprintf(stderr, "embedis: script:");
  for (int i = 2; i <= argc; ++i) {
    const char* s = lua_tostring(L, i);
    if (s != nullptr) std::fprintf(stderr, " %s", s);
  }
  std::fprintf(stderr, "\n");
  return 0;
}

int LuaSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseApiError(L, "redis.setresp() requires one argument.");
  const int v = static_cast<int>(lua_tonumber(L, 1));
  if (v != 2 && v != 3) return RaiseApiError(L, "RESP version must be 2 or 3.");
  GetState(L)->resp = v;
  return 0;
}

int LuaSetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseApiError(L, "redis.set_repl() requires two arguments.");
  const int flags = static_cast<int>(lua_tonumber(L, 1));
  if ((flags & ~3) != 0) {
    return RaiseApiError(
        L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;  // accepted: embedis has no replication or AOF
}

int LuaReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
int LuaBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int LuaDebug(lua_State*) { return 0; }

// redis.acl_check_cmd: every user may run every command (no ACLs), so true for a known command.
int AclCheckImpl(lua_State* L) {
  ScriptEngine::State* s = GetState(L);
  const int argc = lua_gettop(L);
  std::vector<std::string> storage;
  for (int i = 1; i <= argc; ++i) {
    const int t = lua_type(L, i);
    if (t != LUA_TNUMBER && t != LUA_TSTRING) {
      PushApiError(L, "Lua redis lib command arguments must be strings or integers");
      return -1;
    }
    storage.push_back(t == LUA_TNUMBER ? FormatNumber(lua_tonumber(L, i))
                                       : std::string(ToView(L, i)));
  }
  std::vector<std::string_view> argv(storage.begin(), storage.end());
  if (argc == 0 || s->runner == nullptr || !s->runner->IsCommand(argv)) {
    PushApiError(L, "Invalid command passed to redis.acl_check_cmd()");
    return -1;
  }
  lua_pushboolean(L, 1);
  return 1;
}
int LuaAclCheckCmd(lua_State* L) {
  const int r = AclCheckImpl(L);
  return r < 0 ? lua_error(L) : r;
}

// ---- redis.register_function (the functions VM, while a library loads) ----

// Function flags, in the order FUNCTION LIST reports them.
constexpr std::pair<std::string_view, uint32_t> kFunctionFlags[] = {
    {"no-writes", kFlagNoWrites},
    {"allow-oom", kFlagAllowOom},
    {"allow-stale", kFlagAllowStale},
    {"no-cluster", kFlagNoCluster},
    {"allow-cross-slot-keys", kFlagAllowCrossSlot},
};

constexpr std::string_view kBadNameError =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one "
    "character long";  // 7.0.15 says "Library" for function names too

bool ValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Reads the flags table at the top of the stack into *flags; false for a flag Redis does not know.
bool ReadFunctionFlags(lua_State* L, uint32_t* flags) {
  for (int j = 1;; ++j) {
    lua_rawgeti(L, -1, j);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      return true;
    }
    bool found = false;
    if (lua_isstring(L, -1)) {
      const std::string_view f = ToView(L, -1);
      for (const auto& [name, bit] : kFunctionFlags) {
        if (EqualsIgnoreCase(f, name)) {
          *flags |= bit;
          found = true;
          break;
        }
      }
    }
    lua_pop(L, 1);
    if (!found) return false;
  }
}

// Reads register_function's arguments (positional: name, callback; or one table of named
// arguments) into *f. Returns Redis's error text, or empty. On error no reference is kept.
std::string_view ReadRegisterArgs(lua_State* L, ScriptEngine::State::Function* f) {
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(L, 2)) {
      return "second argument to redis.register_function must be a function";
    }
    f->name = std::string(ToView(L, 1));
    lua_pushvalue(L, 2);
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return {};
  }
  if (!lua_istable(L, 1)) {
    return "calling redis.register_function with a single argument is only applicable to Lua "
           "table (representing named arguments).";
  }
  bool have_name = false;
  std::string_view err;
  lua_pushnil(L);
  while (err.empty() && lua_next(L, 1) != 0) {
    // Stack: table, key, value.
    if (!lua_isstring(L, -2)) {
      err = "named argument key given to redis.register_function is not a string";
      break;
    }
    lua_pushvalue(L, -2);  // converting a number key in place would confuse lua_next
    const std::string key(ToView(L, -1));
    lua_pop(L, 1);
    if (EqualsIgnoreCase(key, "function_name")) {
      if (!lua_isstring(L, -1)) {
        err = "function_name argument given to redis.register_function must be a string";
      } else {
        f->name = std::string(ToView(L, -1));
        have_name = true;
      }
    } else if (EqualsIgnoreCase(key, "description")) {
      if (!lua_isstring(L, -1)) {
        err = "description argument given to redis.register_function must be a string";
      } else {
        f->description = std::string(ToView(L, -1));
      }
    } else if (EqualsIgnoreCase(key, "callback")) {
      if (!lua_isfunction(L, -1)) {
        err = "callback argument given to redis.register_function must be a function";
      } else {
        if (f->ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, f->ref);
        lua_pushvalue(L, -1);
        f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
      }
    } else if (EqualsIgnoreCase(key, "flags")) {
      if (!lua_istable(L, -1)) {
        err =
            "flags argument to redis.register_function must be a table representing function "
            "flags";
      } else if (!ReadFunctionFlags(L, &f->flags)) {
        err = "unknown flag given";
      }
    } else {
      err = "unknown argument given to redis.register_function";
    }
    lua_pop(L, 1);
  }
  if (err.empty() && !have_name) err = "redis.register_function must get a function name argument";
  if (err.empty() && f->ref == LUA_NOREF) {
    err = "redis.register_function must get a callback argument";
  }
  if (!err.empty() && f->ref != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, f->ref);
    f->ref = LUA_NOREF;
  }
  return err;
}

int RegisterFunctionImpl(lua_State* L) {
  ScriptEngine::State* s = GetState(L);
  if (s->loading == nullptr) {
    PushApiError(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return -1;
  }
  ScriptEngine::State::Function f;
  std::string_view err = ReadRegisterArgs(L, &f);
  if (err.empty() && !ValidFunctionName(f.name)) err = kBadNameError;
  if (err.empty()) {
    for (const ScriptEngine::State::Function& other : s->loading->functions) {
      if (EqualsIgnoreCase(other.name, f.name)) err = "Function already exists in the library";
    }
  }
  if (!err.empty()) {
    if (f.ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
    PushApiError(L, err);
    return -1;
  }
  s->loading->functions.push_back(std::move(f));
  return 0;
}
int LuaRegisterFunction(lua_State* L) {
  const int r = RegisterFunctionImpl(L);
  return r < 0 ? lua_error(L) : r;
}

// Ends a library load that runs too long (Redis: 500 ms).
void LoadTimeoutHook(lua_State* L, lua_Debug*) {
  if (std::chrono::steady_clock::now() <= GetState(L)->load_deadline) return;
  lua_sethook(L, LoadTimeoutHook, LUA_MASKLINE, 0);
  PushApiError(L, "FUNCTION LOAD timeout");
  lua_error(L);
}

// ---- math.random / math.randomseed, as Redis (rand48 instead of the C library's rand) ----

int32_t Lrand48(ScriptEngine::State* s) {
  s->rand48 = (0x5DEECE66DULL * s->rand48 + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(s->rand48 >> 17);
}

int LuaMathRandom(lua_State* L) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  const lua_Number r =
      static_cast<lua_Number>(Lrand48(GetState(L)) % kMax) / static_cast<lua_Number>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int LuaMathRandomSeed(lua_State* L) {
  const uint32_t seed = static_cast<uint32_t>(luaL_checkint(L, 1));
  GetState(L)->rand48 = (static_cast<uint64_t>(seed) << 16) | 0x330E;
  return 0;
}

// ---- the sandbox ----

int LuaReadonlyError(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

// Looks up the key at index 2 in the table at `table` (raw): its value, or Redis's error for a
// name that is not there.
int GlobalLookup(lua_State* L, int table) {
  lua_pushvalue(L, 2);
  lua_rawget(L, table);
  if (!lua_isnil(L, -1)) return 1;
  if (!lua_isstring(L, 2)) {
    return luaL_error(L, "Script attempted to access nonexistent global variable");
  }
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    lua_tostring(L, 2));
}

// _G's __index: the real globals (upvalue 1).
int LuaGlobalIndex(lua_State* L) { return GlobalLookup(L, lua_upvalueindex(1)); }

// _G's __index in the functions VM: while a library loads, only its load environment
// ({redis = register_function, log and the constants}); afterwards the real globals.
int LuaFunctionGlobalIndex(lua_State* L) {
  if (GetState(L)->loading == nullptr) return GlobalLookup(L, lua_upvalueindex(1));
  lua_pushlightuserdata(L, &kLoadEnvKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  return GlobalLookup(L, lua_gettop(L));
}

bool IsReadonly(lua_State* L, int idx) {
  lua_pushlightuserdata(L, &kProxyTargetsKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  const bool ro = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return ro;
}

// rawset, refusing the read-only proxies as redis-server refuses its read-only tables.
int LuaRawSet(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsReadonly(L, 1)) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// Replaces the table at the top of the stack with a read-only proxy of it: an empty table whose
// metatable reads from the original (`index`: a C closure instead) and refuses writes.
void MakeReadonlyProxy(lua_State* L, lua_CFunction index) {
  const int real = lua_gettop(L);
  lua_newtable(L);  // the proxy
  lua_newtable(L);  // its metatable
  if (index != nullptr) {
    lua_pushvalue(L, real);
    lua_pushcclosure(L, index, 1);
  } else {
    lua_pushvalue(L, real);
  }
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, LuaReadonlyError);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, -2);
  lua_pushlightuserdata(L, &kProxyTargetsKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, real);  // proxy -> the table it guards (pairs, next, rawget look through)
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, real);
}

void OpenLib(lua_State* L, lua_CFunction open, const char* name) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (name[0] != '\0' && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

// The handler every script runs under (Redis's): any error becomes {err=..., source=...,
// line=...}, with the position of the Lua code that raised it.
constexpr char kErrorHandler[] = R"(
local dbg = debug
__redis__err__handler = function(err)
  local i = dbg.getinfo(2,'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3,'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
)";

// Pushes a table of strings (KEYS, ARGV).
void PushStringArray(lua_State* L, absl::Span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  int i = 1;
  for (std::string_view s : items) {
    lua_pushlstring(L, s.data(), s.size());
    lua_rawseti(L, -2, i++);
  }
}

// Parses a shebang line ("#!lua flags=no-writes,allow-oom"): the flags and the line's length, or
// Redis's error text.
absl::Status ParseShebang(std::string_view body, uint32_t* flags, size_t* len) {
  *flags = 0;
  *len = 0;
  if (body.substr(0, 2) != "#!") return absl::OkStatus();
  const size_t end = body.find('\n');
  if (end == std::string_view::npos)
    return absl::InvalidArgumentError("ERR Invalid script shebang");
  *len = end;
  std::vector<absl::string_view> parts = absl::StrSplit(
      absl::string_view(body.data(), end), absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
  if (parts.empty()) return absl::InvalidArgumentError("ERR Invalid engine in script shebang");
  if (parts[0] != "#!lua") {
    return absl::InvalidArgumentError(
        absl::StrCat("ERR Unexpected engine in script shebang: ", parts[0]));
  }
  *flags = kFlagShebang;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].substr(0, 6) != "flags=") {
      return absl::InvalidArgumentError(absl::StrCat("ERR Unknown lua shebang option: ", parts[i]));
    }
    for (absl::string_view f : absl::StrSplit(parts[i].substr(6), absl::ByChar(','))) {
      if (f == "no-writes") {
        *flags |= kFlagNoWrites;
      } else if (f == "allow-oom") {
        *flags |= kFlagAllowOom;
      } else if (f == "allow-stale") {
        *flags |= kFlagAllowStale;
      } else if (f == "no-cluster") {
        *flags |= kFlagNoCluster;
      } else if (f == "allow-cross-slot-keys") {
        *flags |= kFlagAllowCrossSlot;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("ERR Unexpected flag in script shebang: ", f));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// A new VM with Redis's libraries, redis.* API and sandbox. `functions`: the functions VM (its
// globals switch to the load environment while a library loads).
lua_State* NewVm(ScriptEngine::State* state, bool for_functions) {
  lua_State* L = luaL_newstate();
  lua_pushlightuserdata(L, &kStateKey);
  lua_pushlightuserdata(L, state);
  lua_rawset(L, LUA_REGISTRYINDEX);
  // Read-only proxy -> the table it guards (weak keys).
  lua_pushlightuserdata(L, &kProxyTargetsKey);
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);

  OpenLib(L, luaopen_base, "");
  OpenLib(L, luaopen_table, LUA_TABLIBNAME);
  OpenLib(L, luaopen_string, LUA_STRLIBNAME);
  OpenLib(L, luaopen_math, LUA_MATHLIBNAME);
  OpenLib(L, luaopen_debug, LUA_DBLIBNAME);
  OpenLib(L, luaopen_cjson, "cjson");
  OpenLib(L, luaopen_bit, "bit");
  OpenLib(L, OpenCmsgpack, "cmsgpack");
  OpenLib(L, OpenStruct, "struct");
  InstallProxyAwareIteration(L);
  for (const char* name : {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, LuaRawSet);
  lua_setglobal(L, "rawset");
  lua_getglobal(L, "math");
  lua_pushcfunction(L, LuaMathRandom);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, LuaMathRandomSeed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);

  // redis.*
  lua_newtable(L);
  const std::pair<const char*, lua_CFunction> functions[] = {
      {"call", LuaRedisCall},
      {"pcall", LuaRedisPcall},
      {"log", LuaLog},
      {"setresp", LuaSetResp},
      {"sha1hex", LuaSha1Hex},
      {"error_reply", LuaErrorReply},
      {"status_reply", LuaStatusReply},
      {"set_repl", LuaSetRepl},
      {"replicate_commands", LuaReplicateCommands},
      {"breakpoint", LuaBreakpoint},
      {"debug", LuaDebug},
      {"acl_check_cmd", LuaAclCheckCmd},
  };
  for (const auto& [name, fn] : functions) {
    // Redis's functions VM has no debugger hooks nor replicate_commands.
    if (for_functions &&
        (std::string_view(name) == "breakpoint" || std::string_view(name) == "debug" ||
         std::string_view(name) == "replicate_commands")) {
      continue;
    }
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
  }
  const std::pair<const char*, int> constants[] = {
      {"LOG_DEBUG", 0},  {"LOG_VERBOSE", 1},
      {"LOG_NOTICE", 2}, {"LOG_WARNING", 3},
      {"REPL_NONE", 0},  {"REPL_AOF", 1},
      {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2},
      {"REPL_ALL", 3},   {"REDIS_VERSION_NUM", kRedisVersionNum},
  };
  for (const auto& [name, v] : constants) {
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
  }
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  lua_setglobal(L, "redis");

  // The error handler (it keeps `debug` as an upvalue), then no debug library for scripts.
  if (luaL_loadbuffer(L, kErrorHandler, sizeof(kErrorHandler) - 1, "@err_handler") != 0 ||
      lua_pcall(L, 0, 0, 0) != 0) {
    std::fprintf(stderr, "embedis: scripting: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pushlightuserdata(L, &kHandlerKey);
  lua_getglobal(L, "__redis__err__handler");
  lua_rawset(L, LUA_REGISTRYINDEX);
  if (for_functions) {  // a global of EVAL's VM only, as in Redis
    lua_pushnil(L);
    lua_setglobal(L, "__redis__err__handler");
  }
  lua_pushnil(L);
  lua_setglobal(L, "debug");

  // Read-only library tables, then the read-only globals proxy as the thread's globals.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  const int globals = lua_gettop(L);
  std::vector<std::string> tables;
  lua_pushnil(L);
  while (lua_next(L, globals) != 0) {
    if (lua_istable(L, -1) && lua_type(L, -2) == LUA_TSTRING && !lua_rawequal(L, -1, globals)) {
      tables.emplace_back(lua_tostring(L, -2));
    }
    lua_pop(L, 1);
  }
  for (const std::string& name : tables) {
    lua_getfield(L, globals, name.c_str());
    MakeReadonlyProxy(L, nullptr);
    lua_setfield(L, globals, name.c_str());
  }
  lua_pushlightuserdata(L, &kGlobalsKey);
  lua_pushvalue(L, globals);
  lua_rawset(L, LUA_REGISTRYINDEX);
  if (for_functions) {
    // The load environment: a read-only {redis = {register_function, log, constants}} whose
    // missing names raise Redis's error ("... nonexistent global variable 'call'").
    lua_pushlightuserdata(L, &kLoadEnvKey);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, LuaRegisterFunction);
    lua_setfield(L, -2, "register_function");
    lua_pushcfunction(L, LuaLog);
    lua_setfield(L, -2, "log");
    for (const auto& [name, v] : constants) {
      if (std::string_view(name).substr(0, 4) == "REPL") continue;
      lua_pushnumber(L, v);
      lua_setfield(L, -2, name);
    }
    lua_pushstring(L, kRedisVersion);
    lua_setfield(L, -2, "REDIS_VERSION");
    MakeReadonlyProxy(L, LuaGlobalIndex);
    lua_setfield(L, -2, "redis");
    lua_rawset(L, LUA_REGISTRYINDEX);  // read by LuaFunctionGlobalIndex, never written
  }
  lua_pushvalue(L, globals);
  MakeReadonlyProxy(L, for_functions ? LuaFunctionGlobalIndex : LuaGlobalIndex);
  lua_pushvalue(L, -1);
  lua_setfield(L, globals, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);
  return L;
}

}  // namespace

void ScriptEngine::State::InitVm() ABSL_NO_THREAD_SAFETY_ANALYSIS { L = NewVm(this, false); }

void ScriptEngine::State::InitFunctionVm() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  FL = NewVm(this, true);
}

ScriptEngine::ScriptEngine() : state_(std::make_unique<State>()) {
  MutexLock l(&state_->mu);
  state_->InitVm();
  state_->InitFunctionVm();
  state_->UpdateStats();
  state_->ReindexFunctions();
}

ScriptEngine::~ScriptEngine() {
  MutexLock l(&state_->mu);
  lua_close(state_->L);
  lua_close(state_->FL);
}

std::string ScriptEngine::Sha1Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

namespace {

// Compiles `body` as script `sha` into the registry (f_<sha>). Under the engine's mutex.
absl::Status Compile(lua_State* L, std::string_view sha, std::string_view body, size_t skip) {
  std::string_view code = body.substr(skip);
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_script") != 0) {
    std::string msg =
        absl::StrCat("ERR Error compiling script (new function): ", ToAbsl(ToView(L, -1)));
    lua_pop(L, 1);
    return absl::InvalidArgumentError(msg);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, absl::StrCat("f_", ToAbsl(sha)).c_str());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ScriptEngine::Load(std::string_view body) {
  State& s = *state_;
  MutexLock l(&s.mu);
  std::string sha = Sha1Hex(body);
  if (s.scripts.contains(sha)) return sha;
  uint32_t flags = 0;
  size_t skip = 0;
  absl::Status st = ParseShebang(body, &flags, &skip);
  if (st.ok()) st = Compile(s.L, sha, body, skip);
  if (!st.ok()) return st;
  s.scripts[sha] = State::Script{std::string(body), flags};
  s.script_bytes += body.size();
  s.UpdateStats();
  return sha;
}

bool ScriptEngine::Exists(std::string_view sha) {
  State& s = *state_;
  MutexLock l(&s.mu);
  return s.scripts.contains(absl::AsciiStrToLower(absl::string_view(sha.data(), sha.size())));
}

void ScriptEngine::Flush() {
  State& s = *state_;
  MutexLock l(&s.mu);
  s.scripts.clear();
  s.script_bytes = 0;
  lua_close(s.L);
  s.InitVm();
  s.UpdateStats();
}

ScriptStats ScriptEngine::Stats() {
  const State& s = *state_;
  ScriptStats st;
  st.scripts = s.stat_scripts.load();
  st.script_bytes = s.stat_script_bytes.load();
  st.lua_bytes = s.stat_lua_bytes.load();
  return st;
}

BusyScript& ScriptEngine::busy() { return state_->busy; }

namespace {

// Takes the engine's mutex for a script, or returns false when another caller's script is busy
// (its -BUSY text is then the reply): an in-process caller (MemoryStore) does not wait for it.
bool LockForScript(ScriptEngine::State& s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (s.mu.TryLock()) return true;
  return s.busy.WaitUnlessBusy([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return s.mu.TryLock(); });
}

}  // namespace

void ScriptEngine::Eval(const EvalRequest& req, CommandRunner* runner,
                        resp::Writer* reply) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  State& s = *state_;
  if (!LockForScript(s)) return reply->Error(s.busy.BusyError());
  std::unique_lock<Mutex> l(s.mu, std::adopt_lock);
  lua_State* L = s.L;
  // "f_<sha1>", the script's function in the registry (Redis's name, also in error texts), built
  // on the stack: the SHA1 is the view `sha` of its last 40 bytes.
  char fname[43] = {'f', '_'};
  fname[42] = '\0';
  const std::string_view sha(fname + 2, 40);
  if (req.is_sha) {
    if (req.script.size() != 40) return reply->Error(kNoScript);
    for (size_t i = 0; i < 40; ++i) fname[2 + i] = absl::ascii_tolower(req.script[i]);
  } else {
    const std::string computed = Sha1Hex(req.script);
    computed.copy(fname + 2, 40);
  }
  auto it = s.scripts.find(ToAbsl(sha));
  if (it == s.scripts.end()) {
    if (req.is_sha) return reply->Error(kNoScript);
    uint32_t flags = 0;
    size_t skip = 0;
    absl::Status st = ParseShebang(req.script, &flags, &skip);
    if (st.ok()) st = Compile(L, sha, req.script, skip);
    if (!st.ok()) return reply->Error(FromAbsl(st.message()));
    it = s.scripts.emplace(std::string(sha), State::Script{std::string(req.script), flags}).first;
    s.script_bytes += req.script.size();
  }
  const uint32_t flags = it->second.flags;
  if ((flags & kFlagShebang) != 0) {
    if (std::string_view refusal = FlagRefusal(flags, req.read_only, req.over_maxmemory);
        !refusal.empty()) {
      return reply->Error(refusal);
    }
  }
  runner->set_allow_oom((flags & kFlagAllowOom) != 0);

  // KEYS and ARGV in the real globals (the proxy refuses writes).
  lua_pushlightuserdata(L, &kGlobalsKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  PushStringArray(L, req.keys);
  lua_setfield(L, -2, "KEYS");
  PushStringArray(L, req.args);
  lua_setfield(L, -2, "ARGV");
  lua_pop(L, 1);

  s.read_only = req.read_only || (flags & kFlagNoWrites) != 0;
  lua_getfield(L, LUA_REGISTRYINDEX, fname);
  s.busy.Begin(/*is_eval=*/true, sha, req.command);
  RunAndReply(s, L, 0, sha, std::string_view(fname, 42), runner, reply);
  s.busy.End();
}

// ---- functions ----

namespace {

// The shebang of a library: "#!<engine> name=<library>".
struct LibraryMeta {
  std::string engine;
  std::string name;
  size_t shebang_len = 0;  // the code Lua compiles starts at the line's '\n'
};

absl::Status ParseLibraryMeta(std::string_view code, LibraryMeta* md) {
  if (code.substr(0, 2) != "#!") return absl::InvalidArgumentError("ERR Missing library metadata");
  const size_t end = code.find('\n');
  if (end == std::string_view::npos) {
    return absl::InvalidArgumentError("ERR Invalid library metadata");
  }
  md->shebang_len = end;
  std::vector<absl::string_view> parts = absl::StrSplit(
      absl::string_view(code.data(), end), absl::ByAnyChar(" \t\r\v\f"), absl::SkipEmpty());
  if (parts.empty()) return absl::InvalidArgumentError("ERR Invalid library metadata");
  md->engine = std::string(parts[0].substr(2));
  bool have_name = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() >= 5 && EqualsIgnoreCase(FromAbsl(parts[i].substr(0, 5)), "name=")) {
      if (have_name) {
        return absl::InvalidArgumentError(
            "ERR Invalid metadata value, name argument was given multiple times");
      }
      md->name = std::string(parts[i].substr(5));
      have_name = true;
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat("ERR Invalid metadata value given: ", parts[i]));
  }
  if (!have_name) return absl::InvalidArgumentError("ERR Library name was not given");
  return absl::OkStatus();
}

void UnrefFunctions(lua_State* L, const std::vector<ScriptEngine::State::Function>& functions) {
  for (const ScriptEngine::State::Function& f : functions) {
    luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
  }
}

std::string Lower(std::string_view s) {
  return absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
}

}  // namespace

void ScriptEngine::State::ReindexFunctions() {
  functions.clear();
  size_t bytes = 0;
  for (const auto& [name, lib] : libraries) {
    bytes += lib.code.size();
    for (const Function& f : lib.functions) functions[Lower(f.name)] = &f;
  }
  stat_functions = functions.size();
  stat_libraries = libraries.size();
  stat_function_bytes = bytes;
  stat_function_lua_bytes = static_cast<size_t>(lua_gc(FL, LUA_GCCOUNT, 0)) * 1024 +
                            static_cast<size_t>(lua_gc(FL, LUA_GCCOUNTB, 0));
}

void ScriptEngine::State::DropLibrary(std::map<std::string, Library>::iterator it) {
  UnrefFunctions(FL, it->second.functions);
  libraries.erase(it);
}

absl::StatusOr<std::string> ScriptEngine::State::LoadLibrary(std::string_view code, bool replace) {
  LibraryMeta md;
  if (absl::Status st = ParseLibraryMeta(code, &md); !st.ok()) return st;
  if (!ValidFunctionName(md.name)) {
    return absl::InvalidArgumentError(absl::StrCat("ERR ", ToAbsl(kBadNameError)));
  }
  if (!EqualsIgnoreCase(md.engine, "lua")) {
    return absl::InvalidArgumentError(absl::StrCat("ERR Engine '", md.engine, "' not found"));
  }
  auto old = libraries.find(md.name);
  if (old != libraries.end() && !replace) {
    return absl::InvalidArgumentError(absl::StrCat("ERR Library '", md.name, "' already exists"));
  }
  lua_State* L = FL;
  const std::string_view body = code.substr(md.shebang_len);
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function") != 0) {
    std::string msg = absl::StrCat("ERR Error compiling function: ", ToAbsl(ToView(L, -1)));
    lua_settop(L, 0);
    return absl::InvalidArgumentError(msg);
  }
  Library lib{.name = md.name, .code = std::string(code), .functions = {}};
  lua_pushlightuserdata(L, &kHandlerKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_insert(L, -2);
  loading = &lib;
  load_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  lua_sethook(L, LoadTimeoutHook, LUA_MASKCOUNT, 100000);
  const int err = lua_pcall(L, 0, 0, 1);
  lua_sethook(L, nullptr, 0, 0);
  loading = nullptr;
  std::string error;
  if (err != 0) {
    std::string_view msg = "ERR unknown error";
    if (lua_istable(L, -1) && RawField(L, "err") == LUA_TSTRING) msg = ToView(L, -1);
    error = absl::StrCat("ERR Error registering functions: ", ToAbsl(msg));
  } else if (lib.functions.empty()) {
    error = "ERR No functions registered";
  } else {
    for (const Function& f : lib.functions) {
      auto other = functions.find(Lower(f.name));
      if (other != functions.end() &&
          (old == libraries.end() ||
           std::none_of(old->second.functions.begin(), old->second.functions.end(),
                        [&](const Function& g) { return &g == other->second; }))) {
        error = absl::StrCat("ERR Function ", f.name, " already exists");
        break;
      }
    }
  }
  lua_settop(L, 0);
  if (!error.empty()) {
    UnrefFunctions(L, lib.functions);
    return absl::InvalidArgumentError(error);
  }
  if (old != libraries.end()) DropLibrary(old);
  libraries.emplace(md.name, std::move(lib));
  ReindexFunctions();
  return md.name;
}

absl::StatusOr<std::string> ScriptEngine::FunctionLoad(std::string_view code, bool replace) {
  State& s = *state_;
  MutexLock l(&s.mu);
  return s.LoadLibrary(code, replace);
}

absl::Status ScriptEngine::FunctionDelete(std::string_view library) {
  State& s = *state_;
  MutexLock l(&s.mu);
  auto it = s.libraries.find(std::string(library));
  if (it == s.libraries.end()) return absl::NotFoundError("ERR Library not found");
  s.DropLibrary(it);
  s.ReindexFunctions();
  return absl::OkStatus();
}

void ScriptEngine::FunctionFlush() {
  State& s = *state_;
  MutexLock l(&s.mu);
  s.libraries.clear();
  s.functions.clear();
  lua_close(s.FL);
  s.InitFunctionVm();
  s.ReindexFunctions();
}

std::vector<LibraryInfo> ScriptEngine::FunctionList() {
  State& s = *state_;
  MutexLock l(&s.mu);
  std::vector<LibraryInfo> out;
  out.reserve(s.libraries.size());
  for (const auto& [name, lib] : s.libraries) {
    LibraryInfo& info = out.emplace_back();
    info.name = name;
    info.code = lib.code;
    for (const State::Function& f : lib.functions) {
      FunctionInfo& fi = info.functions.emplace_back();
      fi.name = f.name;
      fi.description = f.description;
      for (const auto& [flag, bit] : kFunctionFlags) {
        if ((f.flags & bit) != 0) fi.flags.emplace_back(flag);
      }
    }
  }
  return out;
}

std::optional<uint32_t> ScriptEngine::FunctionFlags(std::string_view name) {
  State& s = *state_;
  MutexLock l(&s.mu);
  auto it = s.functions.find(Lower(name));
  if (it == s.functions.end()) return std::nullopt;
  return it->second->flags;
}

void ScriptEngine::FCall(const FCallRequest& req, CommandRunner* runner,
                         resp::Writer* reply) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  State& s = *state_;
  if (!LockForScript(s)) return reply->Error(s.busy.BusyError());
  std::unique_lock<Mutex> l(s.mu, std::adopt_lock);
  auto it = s.functions.find(Lower(req.name));
  if (it == s.functions.end()) return reply->Error("ERR Function not found");
  const State::Function& f = *it->second;
  if (std::string_view refusal = FlagRefusal(f.flags, req.read_only, req.over_maxmemory);
      !refusal.empty()) {
    return reply->Error(refusal);
  }
  runner->set_allow_oom((f.flags & kFlagAllowOom) != 0);
  lua_State* L = s.FL;
  s.read_only = req.read_only || (f.flags & kFlagNoWrites) != 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, f.ref);
  PushStringArray(L, req.keys);
  PushStringArray(L, req.args);
  const std::string name = f.name;  // the function may not outlive a FUNCTION command it runs
  s.busy.Begin(/*is_eval=*/false, name, req.command);
  RunAndReply(s, L, 2, name, name, runner, reply);
  s.busy.End();
}

// ---- FUNCTION DUMP / RESTORE: Redis's payload (RDB_OPCODE_FUNCTION2 records, RDB version,
// CRC64), so that a payload from redis-server restores here and ours there.

namespace {

constexpr uint8_t kOpcodeFunction2 = 245;
constexpr uint8_t kOpcodeFunctionPreGa = 246;
constexpr uint16_t kRdbVersion = 10;  // Redis 7.0's

void AppendRdbLength(std::string* out, uint64_t len) {
  if (len < 64) {
    out->push_back(static_cast<char>(len));
  } else if (len < 16384) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= 0xffffffffULL) {
    out->push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out->push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

// A reader over an RDB string sequence; every method fails (returns false) past the end.
class RdbReader {
 public:
  explicit RdbReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  bool Byte(uint8_t* b) {
    if (pos_ >= data_.size()) return false;
    *b = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  // A length; *encoded is set for the special encodings (0xC0..), whose kind is in *len.
  bool Length(uint64_t* len, bool* encoded) {
    uint8_t b = 0;
    if (!Byte(&b)) return false;
    *encoded = false;
    switch (b >> 6) {
      case 0:
        *len = b & 0x3f;
        return true;
      case 1: {
        uint8_t c = 0;
        if (!Byte(&c)) return false;
        *len = (static_cast<uint64_t>(b & 0x3f) << 8) | c;
        return true;
      }
      case 2: {
        const int n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
        if (n == 0) return false;
        *len = 0;
        for (int i = 0; i < n; ++i) {
          uint8_t c = 0;
          if (!Byte(&c)) return false;
          *len = (*len << 8) | c;
        }
        return true;
      }
      default:
        *encoded = true;
        *len = b & 0x3f;
        return true;
    }
  }
  // An RDB string: raw, integer-encoded or LZF-compressed.
  bool String(std::string* out) {
    uint64_t len = 0;
    bool encoded = false;
    if (!Length(&len, &encoded)) return false;
    if (!encoded) return Raw(len, out);
    if (len <= 2) {  // int8, int16, int32, little-endian
      const int n = 1 << len;
      uint64_t v = 0;
      for (int i = 0; i < n; ++i) {
        uint8_t c = 0;
        if (!Byte(&c)) return false;
        v |= static_cast<uint64_t>(c) << (8 * i);
      }
      const int64_t sv = n == 1   ? static_cast<int8_t>(v)
                         : n == 2 ? static_cast<int16_t>(v)
                                  : static_cast<int32_t>(v);
      *out = absl::StrCat(sv);
      return true;
    }
    if (len != 3) return false;
    uint64_t clen = 0, ulen = 0;
    if (!Length(&clen, &encoded) || encoded || !Length(&ulen, &encoded) || encoded) return false;
    std::string compressed;
    if (!Raw(clen, &compressed) || ulen > (1ULL << 32)) return false;
    return LzfDecompress(compressed, ulen, out);
  }

 private:
  bool Raw(uint64_t len, std::string* out) {
    if (len > data_.size() - pos_) return false;
    out->assign(data_.substr(pos_, len));
    pos_ += len;
    return true;
  }
  // liblzf's format: literal runs (ctrl < 32) and back references.
  static bool LzfDecompress(std::string_view in, uint64_t ulen, std::string* out) {
    out->clear();
    out->reserve(ulen);
    size_t ip = 0;
    while (ip < in.size()) {
      const uint32_t ctrl = static_cast<uint8_t>(in[ip++]);
      if (ctrl < 32) {
        const size_t n = ctrl + 1;
        if (n > in.size() - ip || out->size() + n > ulen) return false;
        out->append(in.substr(ip, n));
        ip += n;
        continue;
      }
      size_t n = ctrl >> 5;
      if (n == 7) {
        if (ip >= in.size()) return false;
        n += static_cast<uint8_t>(in[ip++]);
      }
      if (ip >= in.size()) return false;
      const size_t back = ((ctrl & 0x1f) << 8) + static_cast<uint8_t>(in[ip++]) + 1;
      n += 2;
      if (back > out->size() || out->size() + n > ulen) return false;
      size_t from = out->size() - back;
      for (size_t i = 0; i < n; ++i) out->push_back((*out)[from + i]);
    }
    return out->size() == ulen;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

// Reflected, polynomial 0xad93d23594c935a9, no final xor.
uint64_t RedisCrc64(std::string_view data) {
  static const auto* table = [] {
    auto* t = new std::array<uint64_t, 256>();
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? (c >> 1) ^ 0x95ac9329ac4bc9b5ULL : c >> 1;
      (*t)[i] = c;
    }
    return t;
  }();
  uint64_t crc = 0;
  for (unsigned char b : data) crc = (*table)[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc;
}

std::string ScriptEngine::FunctionDump() {
  State& s = *state_;
  MutexLock l(&s.mu);
  std::string out;
  for (const auto& [name, lib] : s.libraries) {
    out.push_back(static_cast<char>(kOpcodeFunction2));
    AppendRdbLength(&out, lib.code.size());
    out += lib.code;
  }
  out.push_back(static_cast<char>(kRdbVersion & 0xff));
  out.push_back(static_cast<char>(kRdbVersion >> 8));
  const uint64_t crc = RedisCrc64(out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

absl::Status ScriptEngine::FunctionRestore(std::string_view payload, RestorePolicy policy) {
  // The footer: RDB version (2 bytes) and CRC64 (8 bytes), both little-endian.
  const absl::Status bad_payload =
      absl::InvalidArgumentError("ERR DUMP payload version or checksum are wrong");
  if (payload.size() < 10) return bad_payload;
  const std::string_view footer = payload.substr(payload.size() - 10);
  const uint16_t version = static_cast<uint8_t>(footer[0]) |
                           (static_cast<uint16_t>(static_cast<uint8_t>(footer[1])) << 8);
  uint64_t crc = 0;
  for (int i = 7; i >= 0; --i) crc = (crc << 8) | static_cast<uint8_t>(footer[2 + i]);
  if (version > kRdbVersion || crc != RedisCrc64(payload.substr(0, payload.size() - 8))) {
    return bad_payload;
  }
  std::vector<std::string> codes;
  RdbReader reader(payload.substr(0, payload.size() - 10));
  while (!reader.done()) {
    uint8_t type = 0;
    reader.Byte(&type);
    if (type == kOpcodeFunctionPreGa) {
      // Redis 7.0's release candidates' record: library name, engine, description, code.
      std::string name, engine;
      if (!reader.String(&name)) {
        return absl::InvalidArgumentError("ERR Failed loading library name");
      }
      if (!reader.String(&engine)) {
        return absl::InvalidArgumentError("ERR Failed loading engine name");
      }
      // What 7.0.15 answers for the records cut short after the engine (the only ones compared).
      std::string rest;
      if (!reader.String(&rest) || !reader.String(&rest)) {
        return absl::InvalidArgumentError("ERR Failed loading library blob");
      }
      return absl::InvalidArgumentError("ERR Pre-GA function format not supported");
    }
    if (type != kOpcodeFunction2) {
      return absl::InvalidArgumentError("ERR given type is not a function");
    }
    if (!reader.String(&codes.emplace_back())) {
      return absl::InvalidArgumentError("ERR Failed loading library payload");
    }
  }

  State& s = *state_;
  MutexLock l(&s.mu);
  // Load the payload's libraries into a scratch VM first: their own errors (and collisions among
  // them) come out before anything here changes.
  std::map<std::string, State::Library> saved_libraries;
  std::swap(saved_libraries, s.libraries);
  lua_State* saved_vm = s.FL;
  s.InitFunctionVm();
  s.ReindexFunctions();
  absl::Status st;
  for (const std::string& code : codes) {
    absl::StatusOr<std::string> name = s.LoadLibrary(code, false);
    if (!name.ok()) {
      st = name.status();
      break;
    }
  }
  if (st.ok() && policy != RestorePolicy::kFlush) {
    // Join: the payload's libraries into the current ones.
    for (const auto& [name, lib] : s.libraries) {
      if (policy == RestorePolicy::kAppend && saved_libraries.contains(name)) {
        st = absl::InvalidArgumentError(absl::StrCat("ERR Library ", name, " already exists"));
        break;
      }
    }
    if (st.ok()) {
      absl::flat_hash_map<std::string, std::string> owner;  // lowercased function -> library
      for (const auto& [name, lib] : saved_libraries) {
        if (s.libraries.contains(name)) continue;  // replaced
        for (const State::Function& f : lib.functions) owner[Lower(f.name)] = name;
      }
      for (const auto& [name, lib] : s.libraries) {
        for (const State::Function& f : lib.functions) {
          if (st.ok() && owner.contains(Lower(f.name))) {
            st = absl::InvalidArgumentError(
                absl::StrCat("ERR Function ", f.name, " already exists"));
          }
        }
      }
    }
    if (st.ok()) {
      // Everything fits: rebuild the old VM with the payload's libraries in it.
      std::vector<std::string> added;
      for (const auto& [name, lib] : s.libraries) added.push_back(lib.code);
      lua_close(s.FL);
      s.FL = saved_vm;
      s.libraries.swap(saved_libraries);
      s.ReindexFunctions();
      for (const std::string& code : added) {
        absl::StatusOr<std::string> name = s.LoadLibrary(code, true);
        if (!name.ok()) st = name.status();  // cannot happen: it loaded above
      }
      return st;
    }
  }
  if (!st.ok()) {
    lua_close(s.FL);
    s.FL = saved_vm;
    s.libraries.swap(saved_libraries);
    s.ReindexFunctions();
    return st;
  }
  // FLUSH: the scratch VM becomes the functions VM.
  lua_close(saved_vm);  // with the old libraries' references
  return absl::OkStatus();
}

FunctionStats ScriptEngine::GetFunctionStats() {
  const State& s = *state_;
  return FunctionStats{.libraries = s.stat_libraries.load(),
                       .functions = s.stat_functions.load(),
                       .code_bytes = s.stat_function_bytes.load(),
                       .lua_bytes = s.stat_function_lua_bytes.load()};
}

// ---- running a script or a function ----

static void RunAndReply(ScriptEngine::State& s, lua_State* L, int nargs,
                        std::string_view error_name, std::string_view running_name,
                        CommandRunner* runner, resp::Writer* reply) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  lua_pushlightuserdata(L, &kHandlerKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_insert(L, -(nargs + 2));
  const int handler = lua_gettop(L) - nargs - 1;
  s.runner = runner;
  s.resp = 2;
  // As Redis: the hook only when there is a time limit (it slows the script down a little).
  if (s.busy.threshold_ms() > 0) lua_sethook(L, BusyHook, LUA_MASKCOUNT, 100000);
  const int err = lua_pcall(L, nargs, 1, handler);
  lua_sethook(L, nullptr, 0, 0);  // (also the line hook of a kill)
  s.runner = nullptr;
  if (err == 0) {
    WriteLuaValue(L, reply, s.resp);
  } else if (lua_istable(L, -1)) {
    std::string text;
    if (RawField(L, "err") == LUA_TSTRING) {
      text = std::string(ToView(L, -1));
    } else {
      text = "ERR unknown error";  // error({}): redis-server 7.0.15 crashes here
    }
    lua_pop(L, 1);
    const int source_type = RawField(L, "source");
    const std::string source(source_type == LUA_TSTRING ? ToView(L, -1) : "");
    lua_pop(L, 1);
    const int line_type = RawField(L, "line");
    const int64_t line = line_type == LUA_TNUMBER ? static_cast<int64_t>(lua_tonumber(L, -1)) : 0;
    lua_pop(L, 1);
    if (source_type == LUA_TSTRING && line_type == LUA_TNUMBER) {
      absl::StrAppend(&text, " script: ", ToAbsl(error_name), ", on ", source, ":", line, ".");
    }
    lua_pop(L, 1);
    reply->Error(text);
  } else {
    const std::string_view msg = lua_isstring(L, -1) ? ToView(L, -1) : "execution failure";
    reply->Error(absl::StrCat("ERR Error running script ", ToAbsl(running_name), ", ",
                              ToAbsl(msg.substr(0, 100)), "\n"));
    lua_pop(L, 1);
  }
  lua_settop(L, 0);
  // Keep the heap small between scripts as redis-server 7.0 does: a collection step of 50 after
  // every 50th script (LUA_GC_CYCLE_PERIOD), since a step after each one costs more than the
  // small scripts themselves.
  if (++s.gc_count >= kGcCyclePeriod) {
    s.gc_count = 0;
    lua_gc(L, LUA_GCSTEP, kGcCyclePeriod);
  }
  s.UpdateStats();
}

}  // namespace embedis::scripting
