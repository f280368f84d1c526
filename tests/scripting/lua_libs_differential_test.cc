// cmsgpack, struct and pairs() over the sandbox's read-only tables, against a real redis-server
// 7.0: the same scripts on both, the reply bytes compared (lib/scripting/lua_cmsgpack.cc,
// lua_struct.cc, lua_proxies.cc). Encodings are compared as the packed bytes themselves; decoded
// values through a describer that prints numbers with %.17g and tables with their keys sorted
// (pack(unpack(s)) compares the decoded tables' iteration order too); errors with their texts,
// the "stack overflow" limits at their exact depths, and seeded random inputs (garbage bytes for
// the decoders, random values and formats for the encoders).
//
// Not compared: the order pairs() walks _G and the library tables in (redis-server's tables were
// filled in another order; the lists are compared sorted), redis.REDIS_VERSION (embedis reports
// 7.2.4).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

// Helpers every script starts with: h(hex) -> bytes, x(bytes) -> hex, d(value) -> a description
// with sorted table keys, p(...) -> "n:" and the description of each result.
constexpr char kHelpers[] = R"(
local function h(s) return (s:gsub('%s', ''):gsub('..', function(c) return string.char(tonumber(c, 16)) end)) end
local function x(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end
local function d(v)
  local t = type(v)
  if t == 'table' then
    local parts = {}
    for k, val in pairs(v) do parts[#parts + 1] = d(k) .. '=' .. d(val) end
    table.sort(parts)
    return '{' .. table.concat(parts, ',') .. '}'
  elseif t == 'string' then return 's' .. x(v)
  elseif t == 'number' then return string.format('%.17g', v)
  else return tostring(v) end
end
local function p(...)
  local out = {}
  for i = 1, select('#', ...) do out[i] = d((select(i, ...))) end
  return select('#', ...) .. ':' .. table.concat(out, ' ')
end
)";

class LuaLibsDifferentialTest : public DifferentialTest {
 protected:
  // EVAL of the helpers then `body`, with `args` as ARGV.
  void Script(const std::string& body, const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv = {"EVAL", absl::StrCat(kHelpers, body), "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto [expected, got] = Both(argv);
    if (got == expected) return;
    size_t at = 0;
    while (at < got.size() && at < expected.size() && got[at] == expected[at]) ++at;
    const size_t from = at < 40 ? 0 : at - 40;
    ADD_FAILURE() << "replies differ at byte " << at << ": got ..."
                  << EscapeResp(got.substr(from, 120)) << " expected ..."
                  << EscapeResp(expected.substr(from, 120)) << "\nscript: " << body
                  << "\nargs: " << Shown(args);
  }
  // `return <expr>` for each expression.
  void Returns(std::initializer_list<const char*> exprs) {
    for (const char* e : exprs) Script(absl::StrCat("return ", e));
  }
  // `return p(<expr>)` for each expression: every result described.
  void Describes(std::initializer_list<const char*> exprs) {
    for (const char* e : exprs) Script(absl::StrCat("return p(", e, ")"));
  }
};

TEST_F(LuaLibsDifferentialTest, CmsgpackPacksScalarsInTheirSmallestForm) {
  Returns({
      "cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296)",
      "cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)",
      "cmsgpack.pack(2^53, -2^53 - 2, 2^63, -2^63, 2^64, -2^64, 1e300, -1e-300)",
      "cmsgpack.pack(1.5, 0.1, -0.5, 3.25, 1/3, 0/0, 1/0, -1/0, -0.0, 0 * -1)",
      "cmsgpack.pack(2^-149, 2^-150, 3.4028234663852886e38, 3.4028235677973366e38)",
      "cmsgpack.pack(true, false, nil, 'a')",
      "cmsgpack.pack(nil)",
      "cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('x', 32))",
      "cmsgpack.pack(string.rep('y', 255), string.rep('y', 256))",
      "cmsgpack.pack(string.rep('z', 65535), string.rep('z', 65536))",
      "cmsgpack.pack('a\\0b\\255')",
      "cmsgpack.pack(function() end, coroutine.create(function() end))",
      "cmsgpack.pack()",
      "cmsgpack.pack(1, 2, nil)",
  });
}

TEST_F(LuaLibsDifferentialTest, CmsgpackPacksSequencesAsArraysAndOtherTablesAsMaps) {
  Returns({
      "cmsgpack.pack({}, {1, 2, 3}, {'a', {true}})",
      "cmsgpack.pack({a = 1}, {a = 1, b = 2, c = 3}, {[1] = 1, [3] = 3}, {1, nil, 3})",
      "cmsgpack.pack({[2] = 2}, {[0] = 1}, {[-1] = 2}, {[1.5] = 1}, {[true] = 1})",
      "cmsgpack.pack({[{1}] = {2}})",
      "(function() local t = {} for i = 1, 15 do t[i] = i end return cmsgpack.pack(t) end)()",
      "(function() local t = {} for i = 1, 16 do t[i] = i end return cmsgpack.pack(t) end)()",
      "(function() local t = {} for i = 1, 70000 do t[i] = 0 end return cmsgpack.pack(t) end)()",
      "(function() local t = {} for i = 1, 15 do t['k' .. i] = i end return cmsgpack.pack(t) "
      "end)()",
      "(function() local t = {} for i = 1, 40 do t['key' .. i] = i end return cmsgpack.pack(t) "
      "end)()",
      "(function() local t = {} for i = 1, 70000 do t['k' .. i] = 1 end return "
      "#cmsgpack.pack(t) .. cmsgpack.pack(t):sub(1, 5) end)()",
      "(function() local t = {1, 2, 3} t[5] = 5 t.x = 'y' return cmsgpack.pack(t) end)()",
      "(function() local t = {} t[1] = 1 t[2] = 2 t[2] = nil return cmsgpack.pack(t) end)()",
      // Nesting: 16 levels are kept, the 17th is nil.
      "(function() local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end "
      "return cmsgpack.pack(t) end)()",
      "(function() local t = {} local c = t for i = 1, 20 do c.k = {} c = c.k end "
      "return cmsgpack.pack(t) end)()",
      // The read-only library tables pack as what they hold.
      "cmsgpack.pack(redis):sub(1, 3)",
      "cmsgpack.pack(string)",
      "cmsgpack.pack(bit):sub(1, 1)",
  });
}

TEST_F(LuaLibsDifferentialTest, CmsgpackUnpacksEveryFormatItKnows) {
  Describes({
      "cmsgpack.unpack(h('007f80ff e0 cc80 cd0100 ce00010000 cf0000000100000000')",
      "cmsgpack.unpack(h('cfffffffffffffffff'))",
      "cmsgpack.unpack(h('cf7fffffffffffffff'), h('cf8000000000000000'))",
      "cmsgpack.unpack(h('d0ffd180 00d2ffffff7fd3ffffffffffffffff')",
      "cmsgpack.unpack(h('ca3fc00000cb3ff8000000000000ca7f800000cbfff8000000000000'))",
      "cmsgpack.unpack(h('ca00000001cb0000000000000001'))",
      "cmsgpack.unpack(h('c0c2c3'))",
      "cmsgpack.unpack(h('a0a3616263d903616263da0003616263db00000003616263'))",
      "cmsgpack.unpack(h('93010203'), h('dc0002c0c0'), h('dd00000002c0c0'))",
      "cmsgpack.unpack(h('9301c003'))",
      "cmsgpack.unpack(h('82a16101a162920102'))",
      "cmsgpack.unpack(h('de0001a161c3df00000001a162c2'))",
      "cmsgpack.unpack(h('8192010203'))",
      "cmsgpack.unpack('')",
      "cmsgpack.unpack(12)",
      "cmsgpack.unpack(h('0102c0'))",
      "cmsgpack.unpack(h('0a'), 'extra')",
  });
  // Decoded tables iterate (and so pack again) in the same order.
  Returns({
      "cmsgpack.pack(cmsgpack.unpack(h('83a16101a16302a16203')))",
      "cmsgpack.pack(cmsgpack.unpack(cmsgpack.pack({a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, "
      "g = 7, h = 8, i = 9, j = 10, k = 11, l = 12})))",
      "cmsgpack.pack(cmsgpack.unpack(h('94 01 c0 03 04'))",
      "cmsgpack.pack(cmsgpack.unpack(h('85 03 01 01 02 05 03 02 04 04 05'))",
      "cmsgpack.pack(cmsgpack.unpack(h('dc0012' .. string.rep('01', 18))))",
      "cmsgpack.pack(cmsgpack.unpack(h('9a01c0c0c005c0c0c0c00a')))",
      "cmsgpack.pack(cmsgpack.unpack(h('9ac0c0c0c005c0c0c0c00a')))",
      "cmsgpack.pack(cmsgpack.unpack(h('dc0020' .. string.rep('c0', 31) .. '01')))",
      "cmsgpack.pack(cmsgpack.unpack(h('8a' .. '0a01 0902 0803 0704 0605 0506 0407 0308 0209 "
      "010a')))",
      "cmsgpack.pack(cmsgpack.unpack(h('8a' .. '0101 0202 0303 0404 0505 0606 0707 0808 0909 "
      "1010')))",
      "cmsgpack.pack(cmsgpack.unpack(h('de0011' .. string.rep('c3c3', 17))))",
      "(function() local t = cmsgpack.unpack(h('9a01c0c0c005c0c0c0c00a')) local o = {} "
      "for k, v in pairs(t) do o[#o + 1] = k end return table.concat(o, ',') end)()",
  });
}

TEST_F(LuaLibsDifferentialTest, CmsgpackUnpackErrors) {
  Describes({
      "cmsgpack.unpack()",
      "cmsgpack.unpack({})",
      "cmsgpack.unpack(h('c1'))",
      "cmsgpack.unpack(h('c4036162'))",
      "cmsgpack.unpack(h('c5000161'))",
      "cmsgpack.unpack(h('c600000001'))",
      "cmsgpack.unpack(h('c70100'))",
      "cmsgpack.unpack(h('c8'))",
      "cmsgpack.unpack(h('c9'))",
      "cmsgpack.unpack(h('d40100'))",
      "cmsgpack.unpack(h('d5'))",
      "cmsgpack.unpack(h('d6'))",
      "cmsgpack.unpack(h('d7'))",
      "cmsgpack.unpack(h('d8'))",
      "cmsgpack.unpack(h('9301'))",
      "cmsgpack.unpack(h('81'))",
      "cmsgpack.unpack(h('81a161'))",
      "cmsgpack.unpack(h('81c1'))",
      "cmsgpack.unpack(h('81c0c1'))",
      "cmsgpack.unpack(h('81c0'))",
      "cmsgpack.unpack(h('82c0'))",
      "cmsgpack.unpack(h('01c1'))",
      "cmsgpack.unpack(h('cd01'))",
      "cmsgpack.unpack(h('ca3f'))",
      "cmsgpack.unpack(h('a3'))",
      "cmsgpack.unpack(h('d9'))",
      "cmsgpack.unpack(h('db0000000361'))",
      "cmsgpack.unpack(h('dd00100000'))",
      "cmsgpack.unpack(h('ddffffffff'))",
      "cmsgpack.unpack(h('dfffffffff'))",
      "cmsgpack.unpack(h('81c001'))",
      "cmsgpack.unpack(h('81cb7ff800000000000001'))",
      "cmsgpack.unpack(h('df00000001c001'))",
  });
}

TEST_F(LuaLibsDifferentialTest, CmsgpackUnpackOneAndUnpackLimit) {
  Describes({
      "cmsgpack.unpack_one(h('01020304'))",
      "cmsgpack.unpack_one(h('01020304'), 3)",
      "cmsgpack.unpack_one(h('01020304'), 4)",
      "cmsgpack.unpack_one(h('01020304'), 5)",
      "cmsgpack.unpack_one(h('01020304'), -1)",
      "cmsgpack.unpack_one(h('01020304'), 1.9)",
      "cmsgpack.unpack_one(h('01'), '0')",
      "cmsgpack.unpack_one(h('01'), 'x')",
      "cmsgpack.unpack_one(h('01'), nil)",
      "cmsgpack.unpack_one(h('01'), 1e10)",
      "cmsgpack.unpack_one(h('01'), -1e10)",
      "cmsgpack.unpack_one(h('01'), 2^31)",
      "cmsgpack.unpack_one(h('01'), 2^32)",
      "cmsgpack.unpack_one(h('01'), 0/0)",
      "cmsgpack.unpack_one('', 0)",
      "cmsgpack.unpack_one('')",
      "cmsgpack.unpack_one()",
      "cmsgpack.unpack_one(h('9301'))",
      "cmsgpack.unpack_one(h('0193'))",
      "cmsgpack.unpack_one(h('01c1'))",
      "cmsgpack.unpack_one(h('c101'))",
      "cmsgpack.unpack_one(h('92010203'), 0)",
      "cmsgpack.unpack_limit(h('01020304'), 2)",
      "cmsgpack.unpack_limit(h('01020304'), 2, 1)",
      "cmsgpack.unpack_limit(h('01020304'), 0)",
      "cmsgpack.unpack_limit(h('01020304'), 0, 1)",
      "cmsgpack.unpack_limit(h('01020304'), 4)",
      "cmsgpack.unpack_limit(h('01020304'), 5)",
      "cmsgpack.unpack_limit(h('01020304'), 1, 4)",
      "cmsgpack.unpack_limit(h('01020304'), 1, 3)",
      "cmsgpack.unpack_limit(h('01020304'), -1, 0)",
      "cmsgpack.unpack_limit(h('01020304'), 10, 2)",
      "cmsgpack.unpack_limit(h('01'), 1e10)",
      "cmsgpack.unpack_limit(h('01'), 3e9)",
      "cmsgpack.unpack_limit(h('01020304'))",
      "cmsgpack.unpack_limit()",
      "cmsgpack.unpack_limit(h('01020304'), 'x')",
      "cmsgpack.unpack_limit(h('0193'), 1)",
      "cmsgpack.unpack_limit(h('0193'), 2)",
      "cmsgpack.unpack_limit(h('0102c1'), 2)",
  });
  Script(
      "local s = cmsgpack.pack(1, 'two', {3}, {four = 4}) local out, off = {}, 0 "
      "while off ~= -1 do local v off, v = cmsgpack.unpack_one(s, off) out[#out + 1] = d(v) .. "
      "'@' .. off end return table.concat(out, ' ')");
}

TEST_F(LuaLibsDifferentialTest, CmsgpackFieldsAndTheLibraryIsReadOnly) {
  Describes({
      "cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION",
      "pcall(function() cmsgpack.pack = 1 end)",
      "pcall(function() cmsgpack.other = 1 end)",
      "pcall(rawset, cmsgpack, 'pack', 1)",
      "type(cmsgpack.pack), type(cmsgpack.unpack_one)",
  });
}

// Lua's C stack limit (8000 slots) ends a deep or long input at the same depth as in Redis, with
// the same message.
TEST_F(LuaLibsDifferentialTest, CmsgpackStackLimits) {
  for (int n : {3998, 3999, 4000, 5000}) {
    for (const char* unit : {"91", "81a0", "9181a0"}) {
      for (const char* call :
           {"cmsgpack.unpack(s)", "cmsgpack.unpack_one(s, 0)", "cmsgpack.unpack_limit(s, 0, 0)",
            "cmsgpack.unpack_limit(s, 3, 0)"}) {
        Script(absl::StrCat("local s = h(string.rep('", unit, "', ", n,
                            ") .. '01') local ok, e = pcall(function() return ", call,
                            " end) return tostring(ok) .. tostring(ok or e)"));
      }
    }
  }
  for (int n : {7997, 7998, 7999, 8000, 8001}) {
    for (const char* call :
         {"select('#', cmsgpack.unpack(s))", "select('#', cmsgpack.unpack_limit(s, 0, 0))",
          "select('#', cmsgpack.unpack_limit(s, 100000, 0))",
          "select('#', cmsgpack.unpack_limit(s, 100000, 1))",
          "select('#', cmsgpack.unpack_limit(s, 7999, 0))"}) {
      Script(absl::StrCat("local s = string.rep('\\1', ", n, ") local ok, e = pcall(function() ",
                          "return ", call, " end) return tostring(ok) .. tostring(e)"));
    }
  }
  // Maps whose keys are maps: one stack slot per level, so twice as deep.
  for (int n : {3999, 4000, 7996, 7997, 7998, 7999, 8000}) {
    Script(absl::StrCat("local s = h(string.rep('81', ", n, ") .. string.rep('01', ", n + 1,
                        ")) local ok, e = pcall(cmsgpack.unpack, s) return tostring(ok) .. "
                        "tostring(ok or e)"));
  }
  // Straight from the script (no pcall frame in between).
  Script("return cmsgpack.unpack(string.rep('\\145', 5000) .. '\\1')");
  Script("return #{cmsgpack.unpack(string.rep('\\1', 8000))}");
}

// Random garbage through the decoders, and random values through pack and back. Map keys are
// scalars (tables as keys iterate in the order of their addresses) and strings shorter than 32
// bytes: redis-server's Lua hashes every byte of a longer string, Debian's Lua a sample of them,
// so tables keyed by long strings iterate in another order (script_engine.h).
TEST_F(LuaLibsDifferentialTest, CmsgpackRandomInputs) {
  std::mt19937 rng(20261206);
  // Bytes biased towards tags and small lengths, so that some inputs decode far.
  const std::vector<uint8_t> favourites = {0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x90, 0x91, 0x92,
                                           0xa0, 0xa1, 0xa3, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xca,
                                           0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3,
                                           0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff};
  for (int i = 0; i < 250; ++i) {
    std::string input;
    const int len = static_cast<int>(rng() % 24);
    for (int j = 0; j < len; ++j) {
      input.push_back(
          static_cast<char>(rng() % 3 == 0 ? rng() % 256 : favourites[rng() % favourites.size()]));
    }
    const int which = static_cast<int>(rng() % 3);
    const char* call = which == 0   ? "cmsgpack.unpack(ARGV[1])"
                       : which == 1 ? "cmsgpack.unpack_one(ARGV[1], tonumber(ARGV[2]))"
                                    : "cmsgpack.unpack_limit(ARGV[1], tonumber(ARGV[3]), "
                                      "tonumber(ARGV[2]))";
    Script(absl::StrCat("local r = {pcall(function() return ", call,
                        " end)} if not r[1] then return 'error: ' .. tostring(r[2]) end "
                        "return p(unpack(r, 2, table.maxn(r)))"),
           {input, std::to_string(rng() % (len + 2)), std::to_string(rng() % 4)});
    if (::testing::Test::HasFailure()) break;
  }
  // Random values built by the script itself (math.random after randomseed runs alike on both).
  for (int seed = 1; seed <= 60; ++seed) {
    Script(absl::StrCat(R"(
math.randomseed()",
                        seed, R"()
local function value(depth)
  local r = math.random(1, depth > 3 and 7 or 9)
  if r == 1 then return math.random(-2^29, 2^29)
  elseif r == 2 then return (math.random() - 0.5) * 10 ^ math.random(-40, 40)
  elseif r == 3 then return string.rep(string.char(math.random(0, 255)), math.random(0, 40))
  elseif r == 4 then return math.random(0, 1) == 1
  elseif r == 5 then return math.random(-40, 300)
  elseif r == 6 then return 2 ^ math.random(0, 70) * (math.random(0, 1) * 2 - 1)
  elseif r == 7 then return math.random(0, 2^30)
  elseif r == 8 then
    local t = {} for i = 1, math.random(0, 20) do t[i] = value(depth + 1) end return t
  else
    local t = {} for i = 1, math.random(0, 20) do
      local k = value(4) if type(k) == 'string' then k = k:sub(1, 31) end
      if k ~= nil and k == k then t[k] = value(depth + 1) end end
    return t
  end
end
local vals = {} for i = 1, 5 do vals[i] = value(0) end
local packed = cmsgpack.pack(unpack(vals))
return {packed, cmsgpack.pack(cmsgpack.unpack(packed)), p(cmsgpack.unpack(packed))}
)"));
    if (::testing::Test::HasFailure()) break;
  }
}

TEST_F(LuaLibsDifferentialTest, StructPack) {
  Returns({
      "struct.pack('>i', 1)",
      "struct.pack('<i', 1)",
      "struct.pack('bBhHlLT', -1, 255, -2, 65535, -3, 4, 5)",
      "struct.pack('>bBhHlLT', -1, 255, -2, 65535, -3, 4, 5)",
      "struct.pack('>i3', -2)",
      "struct.pack('>I3', 2^24 + 5)",
      "struct.pack('<i16', -2)",
      "struct.pack('>i16', -2)",
      "struct.pack('<I16', 5)",
      "struct.pack('i0', 1)",
      "struct.pack('i04', 1)",
      "struct.pack('>fd', 1.5, 0.1)",
      "struct.pack('<fd', 1.5, 0.1)",
      "struct.pack('f', 1e300)",
      "struct.pack('f', 0/0)",
      "struct.pack('d', 0/0)",
      "struct.pack('s', 'ab')",
      "struct.pack('s', '')",
      "struct.pack('s', 'a\\0b')",
      "struct.pack('s', 12)",
      "struct.pack('c', 'ab')",
      "struct.pack('c0', 'abc')",
      "struct.pack('c0', 'a\\0b')",
      "struct.pack('c0', 12)",
      "struct.pack('c2', 'abc')",
      "struct.pack('c3c', 'abc', 'd')",
      "struct.pack('bxb', 1, 2)",
      "struct.pack('< b > h', 1, 2)",
      "struct.pack(' ', 1, 2)",
      "struct.pack('b', 1, 2)",
      "struct.pack('b', '7')",
      "struct.pack('b', 300)",
      "struct.pack('b', 1.7)",
      "struct.pack('b', -1.7)",
      "struct.pack('B', -1)",
      "struct.pack('<L', 2^63)",
      "struct.pack('<L', 2^64)",
      "struct.pack('<l', -2^63)",
      "struct.pack('<L', 1e30)",
      "struct.pack('<L', 0/0)",
      "struct.pack('<L', 1/0)",
      "struct.pack('<L', -1/0)",
      "struct.pack('<L', -2^64)",
      "struct.pack('<L', 2^63 + 2^11)",
      "struct.pack('<L', 1.8446744073709552e19 - 4096)",
      "struct.pack('<l', 2^64)",
      "struct.pack('i', 2^64)",
      "struct.pack('i', 2^63)",
      "struct.pack('i', -2^64)",
      "struct.pack('I', -2^64)",
      "struct.pack('i', 0/0)",
      // Alignment.
      "struct.pack('!4 b i', 1, 2)",
      "struct.pack('!b d', 1, 2)",
      "struct.pack('!2 b d', 1, 2)",
      "struct.pack('!16 bd', 1, 2)",
      "struct.pack('!64 b d', 1, 2)",
      "struct.pack('!1 b d', 1, 2)",
      "struct.pack('!08 b d', 1, 2)",
      "struct.pack('!4!2 b d', 1, 2)",
      "struct.pack('!4 b !2 d', 1, 2)",
      "struct.pack('!8 b x d', 1, 2)",
      "struct.pack('!8 b i3', 1, 2)",
      "struct.pack('!8 b i16', 1, 2)",
      "struct.pack('!8 b I5', 1, 2)",
      "struct.pack('!8 b I6', 1, 2)",
      "struct.pack('!8 b I7', 1, 2)",
      "struct.pack('!8 b T', 1, 2)",
      "struct.pack('!8 b c3 h', 1, 'abc', 2)",
      "struct.pack('!8 b s h', 1, 'abc', 2)",
      "struct.pack('!8 b f', 1, 2)",
      "struct.pack('!', 1)",
  });
}

TEST_F(LuaLibsDifferentialTest, StructPackErrors) {
  Returns({
      "struct.pack()",
      "struct.pack(12, 1)",
      "struct.pack('i33', 1)",
      "struct.pack('i214748364', 1)",
      "struct.pack('i2147483647', 1)",
      "struct.pack('i2147483648', 1)",
      "struct.pack('i99999999999', 1)",
      "struct.pack('c2147483647', 'a')",
      "struct.pack('c21474836470', 'a')",
      "struct.pack('!3 b d', 1, 2)",
      "struct.pack('!0 bd', 1, 2)",
      "struct.pack('!17 bd', 1, 2)",
      "struct.pack('!9999999999 b', 1)",
      "struct.pack('=i', 1)",
      "struct.pack('q', 1)",
      "struct.pack('x5', 1)",
      "struct.pack('s0', 'a')",
      "struct.pack('b')",
      "struct.pack('bbb', 1)",
      "struct.pack('b', 'x')",
      "struct.pack('b', {})",
      "struct.pack('b', true)",
      "struct.pack('b b', 1, nil)",
      "struct.pack('c5', 'abc')",
      "struct.pack('b c5', 1, 'abc')",
      "struct.pack('b c5', 1)",
      "struct.pack('b s', 1)",
      "struct.pack('b s', 1, {})",
      "struct.pack('b c', 1)",
      "struct.pack('c', '')",
      "struct.pack('c0bb', string.rep('a', 100), 1)",
      "struct.pack('c0bb', string.rep('a', 9000), 1)",
      "struct.pack('c0bbb', string.rep('a', 9000), 1)",
      "struct.pack('c0bbb', string.rep('a', 20000), 1, 2)",
  });
}

TEST_F(LuaLibsDifferentialTest, StructUnpackAndSize) {
  Describes({
      "struct.unpack('>i', h('00000001'))",
      "struct.unpack('<i', h('feffffff'))",
      "struct.unpack('<I', h('feffffff'))",
      "struct.unpack('bBhHlLT', h('fffffefffffffdffffffffffffff04000000000000000500000000000000'))",
      "struct.unpack('>bBhHlLT', "
      "h('fffffffefffffffffffffffffffffd000000000000000400000000000000050000'))",
      "struct.unpack('<i3', h('feffff'))",
      "struct.unpack('<I3', h('feffff'))",
      "struct.unpack('<i16', h('feffffffffffffffffffffffffffffff'))",
      "struct.unpack('<i16', h('feffffffffffffff0000000000000000'))",
      "struct.unpack('<I16', h('05000000000000000000000000000001'))",
      "struct.unpack('>I16', h('01000000000000000000000000000005'))",
      "struct.unpack('<i9', h('ffffffffffffffff7f'))",
      "struct.unpack('>i9', h('010203040506070809'))",
      "struct.unpack('>i9', h('800000000000000001'))",
      "struct.unpack('>i10', h('0102030405060708090a'))",
      "struct.unpack('>i12', h('0102030405060708090a0b0c'))",
      "struct.unpack('>i16', h('000000000000000000000000000000d0'))",
      "struct.unpack('>i16', h('ffffffffffffffffffffffffffffffd0'))",
      "struct.unpack('>I9', h('ff0203040506070809'))",
      "struct.unpack('<i0', '')",
      "struct.unpack('<i9', h('000000000000000080'))",
      "struct.unpack('<I9', h('000000000000000001'))",
      "struct.unpack('<l', h('ffffffffffffff7f'))",
      "struct.unpack('<L', h('ffffffffffffffff'))",
      "struct.unpack('<I8', h('0000000000000080'))",
      "struct.unpack('>i5', h('fffffffffe'))",
      "struct.unpack('<i0', 'a')",
      "struct.unpack('>fd', h('3fc000003fb999999999999a'))",
      "struct.unpack('<fd', h('0000c03f9a9999999999b93f'))",
      "struct.unpack('>f', h('3dcccccd'))",
      "struct.unpack('b', h('0102'), 2)",
      "struct.unpack('b', h('0102'), 1.5)",
      "struct.unpack('b', h('01'), nil)",
      "struct.unpack('s', 'ab\\0cd')",
      "struct.unpack('s', h('00'))",
      "struct.unpack('c2', 'abcd')",
      "struct.unpack('>c2', 'ab')",
      "struct.unpack('bc0', h('03') .. 'abcd')",
      "struct.unpack('bc0', h('00'))",
      "struct.unpack('bc0', h('02') .. 'abcd', 1)",
      "struct.unpack('bbc0', h('0102') .. 'abcd')",
      "struct.unpack('hc0', h('0200') .. 'abcd')",
      "struct.unpack('dc0', h('000000000000f03f') .. 'abcd')",
      "struct.unpack('sc0', '2\\0abcd')",
      "struct.unpack('bxb', h('010203'))",
      "struct.unpack('!8 b d', h('01000000000000000000000000000040'))",
      "struct.unpack('!8 b s d', h('01') .. 'a' .. h('00') .. string.rep(h('00'), 5) .. "
      "h('000000000000f03f'))",
      "struct.unpack('b ', h('01'))",
      "struct.unpack('b', 12)",
      "struct.unpack('', 'abc')",
      "struct.unpack('', 'abc', 10)",
      "struct.unpack(struct.pack('<d', 0.1) and '<d', struct.pack('<d', 0.1))",
      "select('#', struct.unpack(string.rep('b', 7990), string.rep('a', 7990)))",
      "struct.size('bhi')",
      "struct.size('!bhi')",
      "struct.size('!8 b d')",
      "struct.size('c5x')",
      "struct.size('')",
      "struct.size('q')",
      "struct.size('bq')",
      "struct.size('x5b')",
      "struct.size('! b d')",
      "struct.size('! b i16')",
      "struct.size('!16 b i16')",
      "struct.size('!2 b f')",
      "struct.size('c2147483647c2147483647c2147483647c2147483647c2147483647')",
  });
}

TEST_F(LuaLibsDifferentialTest, StructUnpackAndSizeErrors) {
  Describes({
      "struct.unpack('<i', h('0000'))",
      "struct.unpack('i', '')",
      "struct.unpack('i', h('01000000'), 2)",
      "struct.unpack('b', h('0102'), 3)",
      "struct.unpack('b', h('0102'), 0)",
      "struct.unpack('b', h('0102'), -1)",
      "struct.unpack('h', 'abc', -1)",
      "struct.unpack('b', h('0102'), 'x')",
      "struct.unpack('s', 'abcd')",
      "struct.unpack('s', 'abc', 4)",
      "struct.unpack('s', 'abc', 5)",
      "struct.unpack('c5', 'abcd')",
      "struct.unpack('c0', 'abcd')",
      "struct.unpack('c0', 'abcd', 2)",
      "struct.unpack('bc0', h('05') .. 'abcd')",
      "struct.unpack('bc0', h('ff') .. 'a')",
      "struct.unpack('ic0', h('ffffff7f') .. 'a')",
      "struct.unpack('sc0', 'x\\0abcd')",
      "struct.unpack('c0c0', 'abcd')",
      "struct.unpack('x', '')",
      "struct.unpack('!8 b d', h('0100000000000000'))",
      "struct.unpack('!8 b d', h('01') .. string.rep('x', 9))",
      "struct.unpack('b')",
      "struct.unpack()",
      "struct.unpack('b', {})",
      "struct.unpack('q', 'a')",
      "struct.unpack('b5', 'abcdef')",
      "struct.unpack('b', 'abc', 4)",
      "struct.unpack('b', 'abc', 2^40)",
      "struct.unpack('i33', 'a')",
      "struct.unpack('c2147483647', 'a')",
      "struct.unpack(string.rep('b', 8000), string.rep('a', 8000))",
      "struct.unpack(string.rep('b', 7997), string.rep('a', 7997), 1)",
      "struct.unpack(string.rep('b', 7998), string.rep('a', 7998))",
      "struct.size('s')",
      "struct.size('c0')",
      "struct.size()",
      "struct.size('i40')",
      "struct.size('!3')",
      "struct.size('=b')",
      "pcall(function() struct.pack = 1 end)",
  });
}

// Random formats and values through pack, unpack and size.
TEST_F(LuaLibsDifferentialTest, StructRandomFormats) {
  std::mt19937 rng(7);
  const std::vector<std::string> options = {"b",  "B",  "h",  "H",  "l",  "L",  "T",  "i",   "I",
                                            "i1", "I2", "i3", "I5", "i7", "I8", "i9", "I12", "f",
                                            "d",  "c",  "c2", "c0", "s",  "x",  " ",  "<",   ">",
                                            "!",  "!1", "!2", "!4", "!8", "!16"};
  for (int i = 0; i < 200; ++i) {
    std::string fmt;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int j = 0; j < n; ++j) fmt += options[rng() % options.size()];
    std::string data;
    for (int j = 0, len = static_cast<int>(rng() % 40); j < len; ++j) {
      data.push_back(static_cast<char>(rng() % 256));
    }
    Script(absl::StrCat(R"(
local fmt = ARGV[1]
math.randomseed()",
                        i, R"()
local args = {}
for o in fmt:gmatch('[%a]') do
  if o == 'c' or o == 's' then args[#args + 1] = string.rep('q', math.random(0, 4))
  elseif o ~= 'x' then args[#args + 1] = (math.random() - 0.3) * 2 ^ math.random(0, 70) end
end
local ok1, packed = pcall(struct.pack, fmt, unpack(args))
local r2 = {pcall(struct.unpack, fmt, ARGV[2], tonumber(ARGV[3]))}
local ok3, size = pcall(struct.size, fmt)
return {tostring(ok1) .. (ok1 and x(packed) or packed), p(unpack(r2, 1, table.maxn(r2))),
        tostring(ok3) .. tostring(size)}
)"),
           {fmt, data, std::to_string(1 + rng() % 6)});
    if (::testing::Test::HasFailure()) break;
  }
}

// pairs(), next() and rawget() over KEYS, ARGV, _G and the read-only library tables: what
// redis-server's read-only tables give (the lists sorted: see the file comment).
TEST_F(LuaLibsDifferentialTest, PairsOverProtectedTables) {
  const std::string listing =
      "local function keys(t) local o = {} for k, v in pairs(t) do o[#o + 1] = tostring(k) .. "
      "'=' .. type(v) end table.sort(o) return table.concat(o, ' ') end ";
  for (const char* t : {"_G", "redis", "string", "table", "math", "cjson", "bit", "struct",
                        "cmsgpack", "coroutine", "KEYS", "ARGV"}) {
    Script(absl::StrCat(listing, "return keys(", t, ")"), {"a", "b"});
  }
  Script(absl::StrCat(listing, "return keys(_G._G)"));
  Describes({
      "next(_G) ~= nil, next(redis) ~= nil, next(string) ~= nil, next({})",
      "rawget(redis, 'call') == redis.call, rawget(_G, 'redis') == redis, rawget(string, 'x')",
      "rawget(_G, 'nosuch'), rawget({1}, 1)",
      "(function() local n = 0 for k in pairs(_G) do n = n + 1 end return n end)()",
      "(function() local n = 0 for k in pairs(redis) do n = n + 1 end return n end)()",
      "(function() local n = 0 for k in next, string do n = n + 1 end return n end)()",
      "(function() local n = 0 for i, v in ipairs(string) do n = n + 1 end return n end)()",
      "(function() local f, t = pairs(redis) t.call = 1 end)()",
      "pcall(function() local f, t = pairs(redis) rawset(t, 'call', 1) end)",
      "pcall(function() for k, v in pairs(redis) do redis[k] = nil end end)",
      "pcall(pairs)",
      "pcall(pairs, 1)",
      "pcall(next)",
      "pcall(next, 'x')",
      "pcall(rawget, redis)",
      "pcall(rawget, 1, 2)",
      "pcall(next, redis, 'nosuchkey')",
      "type(redis.call), #KEYS, #ARGV",
  });
  // The functions VM: its own globals and redis table, cmsgpack and struct there too.
  Same({"FUNCTION", "LOAD", "REPLACE",
        "#!lua name=listing\nredis.register_function('keys_of', function(keys, args) "
        "local o = {} for k, v in pairs(_G[args[1]]) do o[#o + 1] = tostring(k) .. '=' .. type(v) "
        "end table.sort(o) return table.concat(o, ' ') end)\n"
        "redis.register_function('libs', function() return {cmsgpack.pack({1, {a = 2}}), "
        "struct.pack('>hs', 1, 'x'), pcall(redis.breakpoint)} end)"});
  for (const char* t : {"_G", "redis", "cmsgpack", "struct", "string"}) {
    Same({"FCALL", "keys_of", "0", t});
  }
  Same({"FCALL", "libs", "0"});
  Same({"FUNCTION", "DELETE", "listing"});
  Same({"EVAL",
        "local o = {} for k, v in pairs(KEYS) do o[#o + 1] = k .. '=' .. v end for i, v in "
        "ipairs(ARGV) do o[#o + 1] = i .. ':' .. v end KEYS[3] = 'c' table.insert(ARGV, 'z') "
        "return {o, KEYS[3], ARGV[#ARGV]}",
        "2", "k1", "k2", "a1"});
}

}  // namespace
}  // namespace embedis::testing
