// cmsgpack for scripts (lua_libs.h has the behaviour).
//
// Lua errors are longjmps: the functions that may raise keep only trivially destructible locals.
// pack's output grows in a thread-local buffer (outside the frames a longjmp may skip); nothing in
// pack raises before the result is pushed, as it only reads tables (lua_next, lua_rawgeti).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "lib/scripting/lua_libs.h"

namespace embedis::scripting {
namespace {

constexpr int kMaxNesting = 16;  // deeper tables are packed as nil

// x86-64's double -> int64 conversion (cvttsd2si): out of range and NaN give INT64_MIN. Lua's and
// Redis's casts compile to it; written out here so the C++ stays defined.
int64_t TruncateToInt64(double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(d);
}

// A number an int64 holds exactly (what Redis packs as an integer).
bool IsInt64(double d) { return !std::isinf(d) && static_cast<double>(TruncateToInt64(d)) == d; }

// ---- encoding ----

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutTagged(std::string* out, uint8_t tag, uint64_t v, int bytes) {
  out->push_back(static_cast<char>(tag));
  PutBigEndian(out, v, bytes);
}

void EncodeInteger(std::string* out, int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  if (v >= 0) {
    if (v <= 0x7f) {
      out->push_back(static_cast<char>(v));
    } else if (v <= 0xff) {
      PutTagged(out, 0xcc, u, 1);
    } else if (v <= 0xffff) {
      PutTagged(out, 0xcd, u, 2);
    } else if (v <= 0xffffffffLL) {
      PutTagged(out, 0xce, u, 4);
    } else {
      PutTagged(out, 0xcf, u, 8);
    }
  } else if (v >= -32) {
    out->push_back(static_cast<char>(u & 0xff));
  } else if (v >= -128) {
    PutTagged(out, 0xd0, u, 1);
  } else if (v >= -32768) {
    PutTagged(out, 0xd1, u, 2);
  } else if (v >= -2147483648LL) {
    PutTagged(out, 0xd2, u, 4);
  } else {
    PutTagged(out, 0xd3, u, 8);
  }
}

void EncodeNumber(std::string* out, double d) {
  if (IsInt64(d)) return EncodeInteger(out, TruncateToInt64(d));
  const float f = static_cast<float>(d);
  if (static_cast<double>(f) == d) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof(bits));
    return PutTagged(out, 0xca, bits, 4);
  }
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  PutTagged(out, 0xcb, bits, 8);
}

// A header of a string, array or map: the fix form below `fix_limit`, else 16 or 32 bits
// (strings also 8 bits, `tag8` non-zero).
void EncodeHeader(std::string* out, size_t n, uint8_t fix, size_t fix_limit, uint8_t tag8,
                  uint8_t tag16, uint8_t tag32) {
  if (n < fix_limit) {
    out->push_back(static_cast<char>(fix | n));
  } else if (tag8 != 0 && n <= 0xff) {
    PutTagged(out, tag8, n, 1);
  } else if (n <= 0xffff) {
    PutTagged(out, tag16, n, 2);
  } else {
    PutTagged(out, tag32, n, 4);
  }
}

void EncodeValue(lua_State* L, std::string* out, int level);

// The table at the top: is it a sequence 1..n? Sets *n to its number of entries either way.
bool IsArray(lua_State* L, size_t* n) {
  size_t count = 0;
  double max = 0;
  bool array = true;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++count;
    if (lua_type(L, -1) == LUA_TNUMBER) {
      const double k = lua_tonumber(L, -1);
      if (IsInt64(k) && k >= 1) {
        if (k > max) max = k;
        continue;
      }
    }
    array = false;
  }
  *n = count;
  return array && max == static_cast<double>(count);
}

void EncodeTable(lua_State* L, std::string* out, int level) {
  if (!lua_checkstack(L, 4)) {  // cannot happen within kMaxNesting levels; nil rather than crash
    out->push_back(static_cast<char>(0xc0));
    return;
  }
  size_t n = 0;
  if (IsArray(L, &n)) {
    EncodeHeader(out, n, 0x90, 16, 0, 0xdc, 0xdd);
    for (size_t i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, static_cast<int>(i));
      EncodeValue(L, out, level + 1);
      lua_pop(L, 1);
    }
    return;
  }
  EncodeHeader(out, n, 0x80, 16, 0, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pushvalue(L, -2);
    EncodeValue(L, out, level + 1);  // the key
    lua_pop(L, 1);
    EncodeValue(L, out, level + 1);  // the value
    lua_pop(L, 1);
  }
}

// Encodes the value at the top of the stack (left there).
void EncodeValue(lua_State* L, std::string* out, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TNUMBER:
      return EncodeNumber(out, lua_tonumber(L, -1));
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeHeader(out, len, 0xa0, 32, 0xd9, 0xda, 0xdb);
      out->append(s, len);
      return;
    }
    case LUA_TBOOLEAN:
      out->push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      return;
    case LUA_TTABLE:
      if (level < kMaxNesting) {
        PushProxyTarget(L, -1);  // a read-only library table packs as what it guards
        EncodeTable(L, out, level);
        lua_pop(L, 1);
        return;
      }
      break;
    default:
      break;
  }
  out->push_back(static_cast<char>(0xc0));
}

int LuaPack(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  thread_local std::string buffer;
  buffer.clear();
  for (int i = 1; i <= argc; ++i) {
    lua_pushvalue(L, i);
    EncodeValue(L, &buffer, 0);
    lua_pop(L, 1);
  }
  lua_pushlstring(L, buffer.data(), buffer.size());
  if (buffer.capacity() > (1u << 20)) std::string().swap(buffer);  // keep no big buffer around
  return 1;
}

// ---- decoding ----

constexpr char kTooManyValues[] =
    "too many return values at once; use unpack_one or unpack_limit instead.";

struct Cursor {
  const unsigned char* p;
  size_t left;
};

[[noreturn]] void MissingBytes(lua_State* L) {
  luaL_error(L, "Missing bytes in input.");
  std::abort();  // not reached: luaL_error does not return
}
[[noreturn]] void BadFormat(lua_State* L) {
  luaL_error(L, "Bad data format in input.");
  std::abort();
}

uint64_t TakeBigEndian(lua_State* L, Cursor* c, size_t bytes) {
  if (c->left < bytes) MissingBytes(L);
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | c->p[i];
  c->p += bytes;
  c->left -= bytes;
  return v;
}

void DecodeValue(lua_State* L, Cursor* c);

void DecodeString(lua_State* L, Cursor* c, size_t len) {
  if (c->left < len) MissingBytes(L);
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), len);
  c->p += len;
  c->left -= len;
}

void DecodeArray(lua_State* L, Cursor* c, size_t n) {
  // Each element takes at least a byte: a header cannot make the table bigger than the input.
  lua_createtable(L, static_cast<int>(n < c->left ? n : c->left), 0);
  for (size_t i = 1; i <= n; ++i) {
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    lua_pushnumber(L, static_cast<lua_Number>(i));
    DecodeValue(L, c);
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t n) {
  lua_newtable(L);
  for (size_t i = 0; i < n; ++i) {
    DecodeValue(L, c);  // key
    DecodeValue(L, c);  // value
    lua_settable(L, -3);
  }
}

// Pushes the next value (raising Redis's errors for bad or short input).
void DecodeValue(lua_State* L, Cursor* c) {
  luaL_checkstack(L, 1, kTooManyValues);
  if (c->left == 0) MissingBytes(L);
  const uint8_t tag = *c->p++;
  --c->left;
  if (tag <= 0x7f) return lua_pushnumber(L, tag);
  if (tag >= 0xe0) return lua_pushnumber(L, static_cast<int8_t>(tag));
  if (tag >= 0xa0 && tag <= 0xbf) return DecodeString(L, c, tag & 0x1f);
  if (tag >= 0x90 && tag <= 0x9f) return DecodeArray(L, c, tag & 0x0f);
  if (tag >= 0x80 && tag <= 0x8f) return DecodeMap(L, c, tag & 0x0f);
  switch (tag) {
    case 0xc0:
      return lua_pushnil(L);
    case 0xc2:
      return lua_pushboolean(L, 0);
    case 0xc3:
      return lua_pushboolean(L, 1);
    case 0xca: {
      const uint32_t bits = static_cast<uint32_t>(TakeBigEndian(L, c, 4));
      float f;
      std::memcpy(&f, &bits, sizeof(f));
      return lua_pushnumber(L, f);
    }
    case 0xcb: {
      const uint64_t bits = TakeBigEndian(L, c, 8);
      double d;
      std::memcpy(&d, &bits, sizeof(d));
      return lua_pushnumber(L, d);
    }
    case 0xcc:
      return lua_pushnumber(L, static_cast<lua_Number>(TakeBigEndian(L, c, 1)));
    case 0xcd:
      return lua_pushnumber(L, static_cast<lua_Number>(TakeBigEndian(L, c, 2)));
    case 0xce:
      return lua_pushnumber(L, static_cast<lua_Number>(TakeBigEndian(L, c, 4)));
    case 0xcf:  // as a signed integer: above 2^63-1 comes back negative, as in Redis
      return lua_pushinteger(L, static_cast<lua_Integer>(TakeBigEndian(L, c, 8)));
    case 0xd0:
      return lua_pushnumber(L, static_cast<int8_t>(TakeBigEndian(L, c, 1)));
    case 0xd1:
      return lua_pushnumber(L, static_cast<int16_t>(TakeBigEndian(L, c, 2)));
    case 0xd2:
      return lua_pushnumber(L, static_cast<int32_t>(TakeBigEndian(L, c, 4)));
    case 0xd3:
      return lua_pushnumber(L,
                            static_cast<lua_Number>(static_cast<int64_t>(TakeBigEndian(L, c, 8))));
    case 0xd9:
      return DecodeString(L, c, TakeBigEndian(L, c, 1));
    case 0xda:
      return DecodeString(L, c, TakeBigEndian(L, c, 2));
    case 0xdb:
      return DecodeString(L, c, TakeBigEndian(L, c, 4));
    case 0xdc:
      return DecodeArray(L, c, TakeBigEndian(L, c, 2));
    case 0xdd:
      return DecodeArray(L, c, TakeBigEndian(L, c, 4));
    case 0xde:
      return DecodeMap(L, c, TakeBigEndian(L, c, 2));
    case 0xdf:
      return DecodeMap(L, c, TakeBigEndian(L, c, 4));
    default:  // 0xc1, bin 8/16/32, ext and fixext
      BadFormat(L);
  }
}

// The unpack family: the string is argument 1, the others have been read already (and are
// dropped, so that the stack limits fall where Redis's do).
int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  lua_settop(L, 1);
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  const bool decode_all = limit == 0 && offset == 0;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  while (c.left > 0 && (decode_all || count < limit)) {
    DecodeValue(L, &c);
    ++count;
  }
  if (decode_all) return count;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushinteger(L, c.left > 0 ? static_cast<lua_Integer>(len - c.left) : -1);
  lua_insert(L, 2);
  return count + 1;
}

int LuaUnpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int LuaUnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  return UnpackFull(L, 1, offset);
}

int LuaUnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  return UnpackFull(L, limit, offset);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  const luaL_Reg functions[] = {
      {"pack", LuaPack},
      {"unpack", LuaUnpack},
      {"unpack_one", LuaUnpackOne},
      {"unpack_limit", LuaUnpackLimit},
      {nullptr, nullptr},
  };
  lua_newtable(L);
  luaL_register(L, nullptr, functions);
  const char* const fields[][2] = {
      {"_NAME", "cmsgpack"},
      {"_VERSION", "lua-cmsgpack 0.4.0"},
      {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
      {"_DESCRIPTION", "MessagePack C implementation for Lua"},
  };
  for (const auto& [name, value] : fields) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, name);
  }
  return 1;
}

}  // namespace embedis::scripting
