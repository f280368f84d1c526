// The Lua libraries redis-server builds into its Lua and Debian has no package of: cmsgpack
// (MessagePack) and struct (binary packing), written for embedis as Lua 5.1 C modules, plus the
// registry of the sandbox's read-only proxies that they (and pairs/next/rawget) look through.
//
//   lua_pushcfunction(L, OpenCmsgpack);  // as luaopen_*: returns the library table
//
// Redis 7.0.15 is the specification, observed from outside (its replies to scripts calling these
// functions, compared byte for byte in tests/scripting/lua_libs_differential_test.cc); the
// MessagePack format follows its public specification.
//
// cmsgpack
// - pack(v1, ...) -> the concatenated encodings of its arguments (no argument: "bad argument #0
//   to 'pack' (MessagePack pack needs input.)"). A number that an int64 holds exactly is an
//   integer in its smallest form (positive fixint, uint8..uint64, negative fixint, int8..int64);
//   any other number is a float32 when converting to float and back loses nothing (inf too), else
//   a float64. Strings: fixstr, str8, str16, str32 (raw bytes). A table whose keys are exactly
//   1..n (n >= 0, so {} too) is an array, any other a map (in lua_next's order); tables nested 16
//   deep become nil; nil, booleans as such; functions, userdata and threads as nil.
// - unpack(s) -> every value in s; unpack_one(s [, offset]) -> next offset (-1 at the end), one
//   value; unpack_limit(s, limit [, offset]) -> next offset, up to `limit` values (limit and
//   offset both 0: every value and no offset). bin, ext and 0xc1 are "Bad data format in input.",
//   a value cut short "Missing bytes in input."; uint64 above 2^63-1 come back negative (as
//   Redis's lua_pushinteger does). Stack limits raise Lua's "stack overflow (...)" at the same
//   depths as Redis.
// - _NAME, _VERSION, _COPYRIGHT, _DESCRIPTION as Redis's.
//
// struct (Roberto Ierusalimschy's format, as Redis ships it)
// - pack(fmt, ...) -> string; unpack(fmt, s [, pos]) -> values..., next position; size(fmt).
// - Options: '<' little endian (default), '>' big endian, '!n' maximum alignment n (a power of 2;
//   '!' alone: 8), ' ' ignored, 'x' a zero byte, 'b'/'B' char, 'h'/'H' short (2), 'l'/'L' long
//   (8), 'T' size_t (8), 'i[n]'/'I[n]' an n-byte integer (default 4, at most 32), 'f' float,
//   'd' double, 'c[n]' n chars (pack 'c0': the whole string; unpack 'c0': as many as the value
//   unpacked just before says), 's' a zero-terminated string. Without '!' nothing is aligned.
#ifndef EMBEDIS_LIB_SCRIPTING_LUA_LIBS_H_
#define EMBEDIS_LIB_SCRIPTING_LUA_LIBS_H_

#include <lua5.1/lua.hpp>

namespace embedis::scripting {

// Open functions: each returns (pushes) its library table.
int OpenCmsgpack(lua_State* L);
int OpenStruct(lua_State* L);

// The sandbox's read-only tables are empty proxies whose metatable reads from the table they
// guard (script_engine.cc). The registry maps each proxy to that table: a weak-keyed table at
// light userdata &kProxyTargetsKey.
extern char kProxyTargetsKey;

// Pushes the table a read-only proxy guards when the value at `idx` is one, else the value.
void PushProxyTarget(lua_State* L, int idx);

// Replaces the globals next, pairs and rawget with versions that look through read-only
// proxies, so that pairs(redis), pairs(_G), next(string) ... see what they do in redis-server.
void InstallProxyAwareIteration(lua_State* L);

}  // namespace embedis::scripting

#endif  // EMBEDIS_LIB_SCRIPTING_LUA_LIBS_H_
