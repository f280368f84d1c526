// See lua_convert.h.
#include "lib/scripting/lua_convert.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/numbers.h"
#include "lib/util/strings.h"

namespace embedis::scripting {

std::string FormatNumber(double d) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

int64_t NumberToInteger(double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();  // what the C cast gives on x86-64
  }
  return static_cast<int64_t>(d);
}

int RawField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

// Pushes Redis's error table {err=text}; `text` carries its code ("ERR ...").
void PushErrorTable(lua_State* L, std::string_view text) {
  lua_newtable(L);
  lua_pushlstring(L, text.data(), text.size());
  lua_setfield(L, -2, "err");
}

namespace {

// A reader of one reply as lib/resp/writer.h writes it (so well formed; checked anyway, since a
// mistake must not read out of bounds).
class ReplyReader {
 public:
  explicit ReplyReader(std::string_view in) : in_(in) {}

  // Pushes the next value; false (nothing pushed) when the bytes do not parse.
  bool Push(lua_State* L) {
    if (failed_ || in_.empty() || !lua_checkstack(L, 4)) return Fail();
    const char type = in_[0];
    in_.remove_prefix(1);
    std::string_view line;
    if (!Line(&line)) return false;
    switch (type) {
      case '+':
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "ok");
        return true;
      case '-':
        PushErrorTable(L, line);
        return true;
      case ':': {
        int64_t v;
        if (!Int(line, &v)) return false;
        lua_pushnumber(L, static_cast<lua_Number>(v));
        return true;
      }
      case '$':
      case '!':
      case '=': {
        int64_t len;
        if (!Int(line, &len)) return false;
        if (len < 0) {
          lua_pushboolean(L, 0);  // RESP2's null bulk string
          return true;
        }
        std::string_view bytes;
        if (!Bytes(static_cast<uint64_t>(len), &bytes)) return false;
        if (type == '$') {
          lua_pushlstring(L, bytes.data(), bytes.size());
        } else if (type == '!') {
          PushErrorTable(L, bytes);
        } else {
          if (bytes.size() < 4) return Fail();
          lua_newtable(L);
          lua_newtable(L);
          lua_pushlstring(L, bytes.data(), 3);
          lua_setfield(L, -2, "format");
          lua_pushlstring(L, bytes.data() + 4, bytes.size() - 4);
          lua_setfield(L, -2, "string");
          lua_setfield(L, -2, "verbatim_string");
        }
        return true;
      }
      case '_':
        lua_pushnil(L);
        return true;
      case '#':
        lua_pushboolean(L, line == "t" ? 1 : 0);
        return true;
      case ',': {
        char buf[64];
        const size_t n = std::min(line.size(), sizeof(buf) - 1);
        line.copy(buf, n);
        buf[n] = '\0';
        lua_newtable(L);
        lua_pushnumber(L, std::strtod(buf, nullptr));  // also inf, -inf and nan
        lua_setfield(L, -2, "double");
        return true;
      }
      case '(':
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "big_number");
        return true;
      case '*':
      case '>': {
        int64_t n;
        if (!Int(line, &n)) return false;
        if (n < 0) {
          lua_pushboolean(L, 0);  // RESP2's null array
          return true;
        }
        lua_createtable(L, n > (1 << 20) ? 0 : static_cast<int>(n), 0);
        for (int64_t i = 1; i <= n; ++i) {
          if (!Push(L)) return Drop(L, 1);
          lua_rawseti(L, -2, static_cast<int>(i));
        }
        return true;
      }
      case '%':
      case '~': {
        int64_t n;
        if (!Int(line, &n) || n < 0) return Fail();
        lua_newtable(L);
        lua_newtable(L);
        for (int64_t i = 0; i < n; ++i) {
          if (!Push(L)) return Drop(L, 2);
          if (type == '%') {
            if (!Push(L)) return Drop(L, 3);
          } else {
            lua_pushboolean(L, 1);
          }
          if (lua_isnil(L, -2)) {
            lua_pop(L, 2);  // a nil key cannot be stored
            continue;
          }
          lua_rawset(L, -3);
        }
        lua_setfield(L, -2, type == '%' ? "map" : "set");
        return true;
      }
      case '|': {  // attributes describe the value that follows: skipped, as Redis does
        int64_t n;
        if (!Int(line, &n) || n < 0) return Fail();
        for (int64_t i = 0; i < 2 * n; ++i) {
          if (!Push(L)) return false;
          lua_pop(L, 1);
        }
        return Push(L);
      }
      default:
        return Fail();
    }
  }

 private:
  bool Fail() {
    failed_ = true;
    return false;
  }
  bool Drop(lua_State* L, int n) {
    lua_pop(L, n);
    return Fail();
  }
  bool Line(std::string_view* line) {
    const size_t eol = in_.find("\r\n");
    if (eol == std::string_view::npos) return Fail();
    *line = in_.substr(0, eol);
    in_.remove_prefix(eol + 2);
    return true;
  }
  bool Bytes(uint64_t len, std::string_view* bytes) {
    if (in_.size() < 2 || len > in_.size() - 2) return Fail();
    *bytes = in_.substr(0, len);
    in_.remove_prefix(len + 2);
    return true;
  }
  bool Int(std::string_view text, int64_t* v) {
    return absl::SimpleAtoi(ToAbsl(text), v) || Fail();
  }

  std::string_view in_;
  bool failed_ = false;
};

}  // namespace

bool PushReply(lua_State* L, std::string_view reply) {
  const bool is_error = !reply.empty() && (reply[0] == '-' || reply[0] == '!');
  ReplyReader reader(reply);
  if (!reader.Push(L)) {
    PushErrorTable(L, reply.empty() ? "ERR internal error: no reply"
                                    : "ERR internal error: a reply that does not parse");
    return true;
  }
  return is_error;
}

void WriteLuaValue(lua_State* L, resp::Writer* w, int resp) {
  if (!lua_checkstack(L, 4)) {
    lua_pop(L, 1);
    w->Error("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      w->BulkString(ToView(L, -1));
      break;
    case LUA_TBOOLEAN:
      if (resp == 2) {
        if (lua_toboolean(L, -1)) {
          w->Integer(1);
        } else {
          w->Null();
        }
      } else {
        w->Boolean(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      w->Integer(NumberToInteger(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      if (RawField(L, "err") == LUA_TSTRING) {
        w->Error(ToView(L, -1));
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (RawField(L, "ok") == LUA_TSTRING) {
        w->SimpleString(ToView(L, -1));
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (RawField(L, "double") == LUA_TNUMBER) {
        w->DoubleText(FormatNumber(lua_tonumber(L, -1)));
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (RawField(L, "big_number") == LUA_TSTRING) {
        w->BigNumber(ToView(L, -1));
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (RawField(L, "map") == LUA_TTABLE) {
        size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          ++n;
          lua_pop(L, 1);
        }
        w->MapHeader(n);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pushvalue(L, -2);  // a copy of the key: converting it must not disturb lua_next
          WriteLuaValue(L, w, resp);
          WriteLuaValue(L, w, resp);
        }
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (RawField(L, "set") == LUA_TTABLE) {
        size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          ++n;
          lua_pop(L, 1);
        }
        w->SetHeader(n);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          WriteLuaValue(L, w, resp);
        }
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (RawField(L, "verbatim_string") == LUA_TTABLE) {
        lua_getfield(L, -1, "format");
        lua_getfield(L, -2, "string");
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
          std::string format(ToView(L, -2).substr(0, 3));
          format.resize(3, ' ');
          w->Verbatim(format, ToView(L, -1));
          lua_pop(L, 3);
          break;
        }
        lua_pop(L, 2);
      }
      lua_pop(L, 1);
      // An array: elements 1.. up to the first nil.
      size_t n = 0;
      while (true) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++n;
      }
      w->ArrayHeader(n);
      for (size_t j = 1; j <= n; ++j) {
        lua_rawgeti(L, -1, static_cast<int>(j));
        WriteLuaValue(L, w, resp);
      }
      break;
    }
    default:
      w->Null();
      break;
  }
  lua_pop(L, 1);
}

}  // namespace embedis::scripting
