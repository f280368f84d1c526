// Looking through the sandbox's read-only proxies (lua_libs.h).
#include "lib/scripting/lua_libs.h"

namespace embedis::scripting {

char kProxyTargetsKey;

void PushProxyTarget(lua_State* L, int idx) {
  if (idx < 0 && idx > LUA_REGISTRYINDEX) idx = lua_gettop(L) + idx + 1;
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_pushlightuserdata(L, &kProxyTargetsKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (lua_istable(L, -1)) {
      lua_pushvalue(L, idx);
      lua_rawget(L, -2);
      if (lua_istable(L, -1)) {
        lua_remove(L, -2);
        return;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pushvalue(L, idx);
}

namespace {

// next(t [, k]): over the guarded table when t is a read-only proxy.
int LuaNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  PushProxyTarget(L, 1);
  lua_replace(L, 1);
  if (lua_next(L, 1) != 0) return 2;
  lua_pushnil(L);
  return 1;
}

// pairs(t): (next, t, nil) with the proxy-aware next (upvalue 1). t itself is returned, never the
// table it guards, so that the read-only table stays out of the script's reach.
int LuaPairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int LuaRawGet(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  PushProxyTarget(L, 1);
  lua_replace(L, 1);
  lua_rawget(L, 1);
  return 1;
}

}  // namespace

void InstallProxyAwareIteration(lua_State* L) {
  lua_pushcfunction(L, LuaNext);
  lua_pushvalue(L, -1);
  lua_setglobal(L, "next");
  lua_pushcclosure(L, LuaPairs, 1);
  lua_setglobal(L, "pairs");
  lua_pushcfunction(L, LuaRawGet);
  lua_setglobal(L, "rawget");
}

}  // namespace embedis::scripting
