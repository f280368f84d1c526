// Conversion between Lua values and RESP, as Redis 7.0's script_lua.c does it, for the script
// engine (private to lib/scripting).
//
// RESP -> Lua (a redis.call's reply, PushReply): read straight from the reply bytes the command
// wrote, without an intermediate resp::Value (Redis's redisProtocolToLuaType):
//   +OK -> {ok="OK"}     -ERR x -> {err="ERR x"}      :5 -> 5         $3 abc -> "abc"
//   $-1 / *-1 -> false   *n -> {e1, ..., en}          _ (RESP3 null) -> nil
//   ,1.5 -> {double=1.5} #t -> true                   (123 -> {big_number="123"}
//   %n -> {map={k=v}}    ~n -> {set={m=true}}         =n txt:s -> {verbatim_string={format,
//   string}} >n as *n; !n as -; |n (attributes) skipped. A nil map key, or nil set member, is
//   dropped.
// Lua -> RESP (a script's return value, WriteLuaValue): strings bulk, numbers truncated to
// integers, true 1 / false null (RESP2) or booleans (RESP3), tables {err=}, {ok=}, {double=},
// {big_number=}, {map=}, {set=}, {verbatim_string=} as such, any other table an array up to its
// first nil, anything else null.
#ifndef EMBEDIS_LIB_SCRIPTING_LUA_CONVERT_H_
#define EMBEDIS_LIB_SCRIPTING_LUA_CONVERT_H_

#include <cstdint>
#include <lua5.1/lua.hpp>
#include <string>
#include <string_view>

#include "lib/resp/writer.h"

namespace embedis::scripting {

// Lua's "%.17g" rendering of a number argument (what redis.call sends for 1.5).
std::string FormatNumber(double d);
// A Lua number as Redis converts it to an integer reply (the C cast; out of range: INT64_MIN).
int64_t NumberToInteger(double d);

// The string at `idx` (a number is converted in place, as lua_tolstring does); empty for others.
inline std::string_view ToView(lua_State* L, int idx) {
  size_t len = 0;
  const char* s = lua_tolstring(L, idx, &len);
  return s == nullptr ? std::string_view() : std::string_view(s, len);
}
// Pushes t[name] (raw) of the table at the top and returns its type.
int RawField(lua_State* L, const char* name);

// Pushes Redis's error table {err=text}; `text` carries its code ("ERR ...").
void PushErrorTable(lua_State* L, std::string_view text);

// Pushes the Lua value of the one RESP reply in `reply` (a command's whole output) and returns
// whether it is an error. A reply that does not parse (never from the command table) pushes
// {err="ERR internal error: ..."}.
bool PushReply(lua_State* L, std::string_view reply);

// Writes the value at the top of the stack as a reply (and pops it). `resp` is the script's
// protocol (redis.setresp).
void WriteLuaValue(lua_State* L, resp::Writer* w, int resp);

}  // namespace embedis::scripting

#endif  // EMBEDIS_LIB_SCRIPTING_LUA_CONVERT_H_
