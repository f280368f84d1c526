// struct for scripts (lua_libs.h has the format).
//
// Lua errors are longjmps: these functions keep only trivially destructible locals, and pack
// builds its result in a luaL_Buffer (on the Lua stack, above a nil that separates it from the
// arguments: a missing argument is reported as "got nil", as in Redis).
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "lib/scripting/lua_libs.h"

namespace embedis::scripting {
namespace {

constexpr int kMaxIntSize = 32;    // the largest 'i'/'I' size
constexpr int kDefaultAlign = 8;   // '!' alone: a double's alignment
constexpr size_t kSizeOfLong = 8;  // 'l', 'L', 'T' (x86-64's long and size_t)

struct Header {
  bool little = true;
  int align = 1;
};

// x86-64's double -> int64 conversion (out of range and NaN give INT64_MIN).
int64_t TruncateToInt64(double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(d);
}

// x86-64's double -> uint64 conversion as compilers emit it (what Redis's struct does with a
// number): below 2^63 (NaN too) a signed conversion, else one of d - 2^63 with the top bit set.
uint64_t TruncateToUint64(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(d >= kTwo63)) return static_cast<uint64_t>(TruncateToInt64(d));
  return static_cast<uint64_t>(TruncateToInt64(d - kTwo63)) ^ (uint64_t{1} << 63);
}

// Digits after an option ('i4', 'c10', '!2'), or `def` when there are none.
int ReadCount(lua_State* L, const char** fmt, int def) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return def;
  int a = 0;
  do {
    const int d = **fmt - '0';
    if (a > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
    a = a * 10 + d;
    ++*fmt;
  } while (std::isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

// The size of option `opt` (reading its count from *fmt); 0 for 's' and for the controls.
size_t OptionSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'x':
      return 1;
    case 'h':
    case 'H':
      return 2;
    case 'l':
    case 'L':
    case 'T':
      return kSizeOfLong;
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'c':
      return static_cast<size_t>(ReadCount(L, fmt, 1));
    case 'i':
    case 'I': {
      const int n = ReadCount(L, fmt, 4);
      if (n > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", n, kMaxIntSize);
      }
      return static_cast<size_t>(n);
    }
    default:
      return 0;
  }
}

// Padding before an option of `size` bytes at offset `len`: to min(size, align), 'c' never.
size_t Padding(size_t len, const Header& h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return (size - (len & (size - 1))) & (size - 1);
}

// The options that are no data: endianness, alignment, spaces; anything else is an error.
void ControlOption(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h->little = false;
      return;
    case '<':
      h->little = true;
      return;
    case '!': {
      const int a = ReadCount(L, fmt, kDefaultAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

bool IsIntegerOption(int opt) {
  return opt == 'b' || opt == 'B' || opt == 'h' || opt == 'H' || opt == 'l' || opt == 'L' ||
         opt == 'T' || opt == 'i' || opt == 'I';
}

// Adds `size` bytes of `v` (beyond 8 bytes: zeros) in the header's byte order.
void AddInteger(luaL_Buffer* b, uint64_t v, const Header& h, size_t size) {
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    bytes[h.little ? i : size - 1 - i] = static_cast<char>(v & 0xff);
    v = i < 7 ? v >> 8 : 0;
  }
  luaL_addlstring(b, bytes, size);
}

// Adds the native (little-endian) bytes of a float or double in the header's byte order.
void AddFloatBytes(luaL_Buffer* b, const void* p, size_t size, const Header& h) {
  char bytes[sizeof(double)];
  std::memcpy(bytes, p, size);
  if (!h.little) {
    for (size_t i = 0; i < size / 2; ++i) {
      const char t = bytes[i];
      bytes[i] = bytes[size - 1 - i];
      bytes[size - 1 - i] = t;
    }
  }
  luaL_addlstring(b, bytes, size);
}

int LuaStructPack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    size_t pad = Padding(total, h, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    if (IsIntegerOption(opt)) {
      AddInteger(&b, TruncateToUint64(luaL_checknumber(L, arg++)), h, size);
    } else if (opt == 'x') {
      luaL_addchar(&b, '\0');
    } else if (opt == 'f') {
      const float f = static_cast<float>(luaL_checknumber(L, arg++));
      AddFloatBytes(&b, &f, sizeof(f), h);
    } else if (opt == 'd') {
      const double d = luaL_checknumber(L, arg++);
      AddFloatBytes(&b, &d, sizeof(d), h);
    } else if (opt == 'c' || opt == 's') {
      size_t len = 0;
      const char* s = luaL_checklstring(L, arg++, &len);
      if (size == 0) size = len;
      luaL_argcheck(L, len >= size, arg, "string too short");  // Redis names the next argument
      luaL_addlstring(&b, s, size);
      if (opt == 's') {
        luaL_addchar(&b, '\0');
        ++size;
      }
    } else {
      ControlOption(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

// Reads a `size`-byte integer at p (beyond 8 bytes, the high bytes shift out).
lua_Number ReadInteger(const char* p, const Header& h, bool is_signed, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    v = (v << 8) | static_cast<unsigned char>(p[h.little ? size - 1 - i : i]);
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  // Sign extension from bit size*8-1. Beyond 8 bytes Redis's shift counts wrap (x86 keeps their
  // low 6 bits), which makes 'i9' (bit 71 -> 7) extend from bit 7 of what is left, and so here.
  const unsigned shift = static_cast<unsigned>(size * 8 - 1) & 63;
  if ((v >> shift) != 0) v |= ~uint64_t{0} << shift;
  return static_cast<lua_Number>(static_cast<int64_t>(v));
}

void ReadFloatBytes(const char* p, void* out, size_t size, const Header& h) {
  char bytes[sizeof(double)];
  for (size_t i = 0; i < size; ++i) bytes[i] = p[h.little ? i : size - 1 - i];
  std::memcpy(out, bytes, size);
}

int LuaStructUnpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld = 0;
  const char* data = luaL_checklstring(L, 2, &ld);
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Header h;
  int n = 0;  // values pushed
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, h, opt, size);
    luaL_argcheck(L, pos <= ld && size <= ld - pos, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    if (IsIntegerOption(opt)) {
      const bool is_signed = opt == 'b' || opt == 'h' || opt == 'l' || opt == 'i';
      lua_pushnumber(L, ReadInteger(data + pos, h, is_signed, size));
      ++n;
    } else if (opt == 'x') {
    } else if (opt == 'f') {
      float f;
      ReadFloatBytes(data + pos, &f, sizeof(f), h);
      lua_pushnumber(L, f);
      ++n;
    } else if (opt == 'd') {
      double d;
      ReadFloatBytes(data + pos, &d, sizeof(d), h);
      lua_pushnumber(L, d);
      ++n;
    } else if (opt == 'c') {
      if (size == 0) {
        if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
        size = TruncateToUint64(lua_tonumber(L, -1));
        lua_pop(L, 1);
        --n;
        luaL_argcheck(L, size <= ld - pos, 2, "data string too short");
      }
      lua_pushlstring(L, data + pos, size);
      ++n;
    } else if (opt == 's') {
      const void* end = std::memchr(data + pos, '\0', ld - pos);
      if (end == nullptr) luaL_error(L, "unfinished string in data");
      size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
      lua_pushlstring(L, data + pos, size - 1);
      ++n;
    } else {
      ControlOption(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int LuaStructSize(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    const size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!std::isalnum(static_cast<unsigned char>(opt))) ControlOption(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushnumber(L, static_cast<lua_Number>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  const luaL_Reg functions[] = {
      {"pack", LuaStructPack},
      {"unpack", LuaStructUnpack},
      {"size", LuaStructSize},
      {nullptr, nullptr},
  };
  lua_newtable(L);
  luaL_register(L, nullptr, functions);
  return 1;
}

}  // namespace embedis::scripting
